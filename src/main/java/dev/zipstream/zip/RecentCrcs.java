package dev.zipstream.zip;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CRCs kept in memory, at most {@code capacity}, the least recently used forgotten first. Every request and
 * every chunk's header asks here, from many threads at once: a lookup takes no lock (a synchronized access-ordered
 * map made a burst of a thousand requests queue behind whichever thread the scheduler had just paused inside it).
 * Recency is a stamp written on use; going over capacity forgets the oldest tenth at once, so the sort that finds
 * them is paid once per many insertions.
 */
final class RecentCrcs<K> {

    private static final class Known {
        final int crc;
        volatile long used;

        Known(int crc, long used) {
            this.crc = crc;
            this.used = used;
        }
    }

    private final int capacity;
    private final ConcurrentHashMap<K, Known> map = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();
    private final Object trimming = new Object();

    RecentCrcs(int capacity) {
        this.capacity = Math.max(1, capacity);
    }

    /** The CRC, or null. */
    Integer get(K key) {
        var known = map.get(key);
        if (known == null) {
            return null;
        }
        known.used = clock.get(); // a plain stamp, not an increment: lookups do not contend on the clock
        return known.crc;
    }

    void put(K key, int crc) {
        map.put(key, new Known(crc, clock.incrementAndGet()));
        if (map.size() > capacity) {
            trim();
        }
    }

    void remove(K key) {
        map.remove(key);
    }

    int size() {
        return map.size();
    }

    private void trim() {
        synchronized (trimming) { // one thread trims; others insert meanwhile and find it done
            int excess = map.size() - capacity;
            if (excess <= 0) {
                return;
            }
            int forget = Math.max(excess, capacity / 10);
            var entries = new ArrayList<Map.Entry<K, Long>>(map.size());
            map.forEach((k, v) -> entries.add(Map.entry(k, v.used)));
            entries.sort(Map.Entry.comparingByValue(Comparator.naturalOrder()));
            for (int i = 0; i < forget && i < entries.size(); i++) {
                map.remove(entries.get(i).getKey());
            }
        }
    }
}
