package dev.zipstream.zip;

import dev.zipstream.storage.EntryChanged;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * CRC-32 of files, remembered by path, size and modification time so that a repeated or resumed download does not
 * read a file twice. Bounded: the least recently used entries go first.
 */
public final class CrcCache {

    private record Key(String locator, long size, long mtime, String version) {
        static Key of(Listing.Entry entry) {
            return new Key(entry.locator(), entry.size(), entry.mtime(), entry.version());
        }
    }

    private final int capacity;
    private final Storage storage;
    private final Map<Key, Integer> map;
    private final AtomicLong bytesRead = new AtomicLong();

    public CrcCache(int capacity, Storage storage) {
        this.capacity = capacity;
        this.storage = storage;
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Integer> eldest) {
                return size() > CrcCache.this.capacity;
            }
        };
    }

    /** The CRC of a listed file, from the cache or by reading it; fails if the file no longer matches the listing. */
    public int crc(Listing.Entry entry) throws IOException {
        if (entry.directory() || entry.size() == 0) {
            return 0;
        }
        var key = Key.of(entry);
        synchronized (map) {
            Integer known = map.get(key);
            if (known != null) {
                return known;
            }
        }
        int crc = compute(entry);
        put(entry, crc);
        return crc;
    }

    /** Records a CRC the producer computed while streaming the whole file anyway. */
    public void put(Listing.Entry entry, int crc) {
        synchronized (map) {
            map.put(Key.of(entry), crc);
        }
    }

    /** Bytes read to compute CRCs since start: shows in tests and benchmarks whether the cache works. */
    public long bytesRead() {
        return bytesRead.get();
    }

    private int compute(Listing.Entry entry) throws IOException {
        var crc = new CRC32();
        var buffer = ByteBuffer.allocate(64 * 1024);
        long total = 0;
        try (var channel = storage.open(entry, 0, entry.size())) {
            int n;
            while (total < entry.size() && (n = channel.read(buffer.clear())) > 0) {
                total += n;
                crc.update(buffer.flip());
            }
        }
        bytesRead.addAndGet(total);
        if (total != entry.size()) {
            throw new EntryChanged(entry, "it has " + total + " bytes, the listing said " + entry.size());
        }
        return (int) crc.getValue();
    }
}
