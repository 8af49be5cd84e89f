package dev.zipstream.zip;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * CRCs on disk ({@code CRC_CACHE_DIR}), so that a restart keeps them and instances sharing the folder share them.
 * One small file per cache key, named by the key's digest and holding it again with the CRC and a checksum: a
 * file that is short, torn, foreign or filed under another name fails one of those checks and is ignored. Files
 * are written whole under a temporary name and renamed into place, so a reader on any instance sees the old file,
 * the new one, or none. Disk trouble never fails a download: it only makes the cache forget.
 */
final class CrcStore {

    private static final byte[] MAGIC = "zscrc01\n".getBytes(StandardCharsets.US_ASCII);
    static final int DIGEST_LENGTH = 32;
    private static final int RECORD_LENGTH = MAGIC.length + DIGEST_LENGTH + 4 + 4;

    private final Path dir;
    private final Consumer<String> warn;
    private final AtomicLong failures = new AtomicLong();

    /** @param warn where the first disk failures are told (a few lines, then silence: the cache just forgets) */
    CrcStore(Path dir, Consumer<String> warn) {
        this.dir = dir;
        this.warn = warn;
    }

    Path dir() {
        return dir;
    }

    /** The CRC stored under this key digest, or empty when there is none that can be trusted. */
    OptionalInt load(byte[] digest) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file(digest));
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        } catch (IOException | RuntimeException e) {
            failed("read", e);
            return OptionalInt.empty();
        }
        if (bytes.length != RECORD_LENGTH) {
            return OptionalInt.empty();
        }
        var b = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[MAGIC.length];
        byte[] stored = new byte[DIGEST_LENGTH];
        b.get(magic).get(stored);
        int crc = b.getInt();
        int check = b.getInt();
        if (!java.util.Arrays.equals(magic, MAGIC) || !java.util.Arrays.equals(stored, digest)
                || check != checksum(bytes)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(crc);
    }

    /** Stores a CRC under a key digest, replacing what was there as one step. */
    void save(byte[] digest, int crc) {
        var b = ByteBuffer.allocate(RECORD_LENGTH).put(MAGIC).put(digest).putInt(crc);
        b.putInt(checksum(b.array()));
        Path target = file(digest);
        Path temp = null;
        try {
            Files.createDirectories(target.getParent());
            temp = Files.createTempFile(target.getParent(), ".tmp-", "");
            Files.write(temp, b.array());
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
        } catch (IOException | RuntimeException e) {
            failed("write", e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a stray temporary file is ignored by every reader
                }
            }
        }
    }

    /** Forgets a key's CRC. */
    void drop(byte[] digest) {
        try {
            Files.deleteIfExists(file(digest));
        } catch (IOException | RuntimeException e) {
            failed("delete", e);
        }
    }

    Path file(byte[] digest) {
        String hex = HexFormat.of().formatHex(digest);
        return dir.resolve(hex.substring(0, 2)).resolve(hex);
    }

    private static int checksum(byte[] record) {
        var crc = new CRC32();
        crc.update(record, 0, RECORD_LENGTH - 4);
        return (int) crc.getValue();
    }

    private void failed(String what, Exception e) {
        if (failures.incrementAndGet() <= 3) {
            warn.accept("CRC cache cannot " + what + " in " + dir + ": " + e.getClass().getSimpleName()
                    + (failures.get() == 3 ? " (further failures not logged)" : ""));
        }
    }
}
