package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A folder holding a sparse file over 4 GiB: the archive needs Zip64 and, in store mode, still has an exact length.
 * It is streamed through a reader that checks every entry's size and CRC, and never written to disk.
 */
class LargeFileIT {

    static final long BIG = (4L << 30) + 12_345;
    static Path tmp;
    static Path storage;
    static Http http;

    @BeforeAll
    static void makeSparseFile() throws Exception {
        tmp = Files.createTempDirectory("zipstream-large");
        storage = Files.createDirectories(tmp.resolve("storage"));
        Path folder = Files.createDirectories(storage.resolve("large"));
        try (var file = new RandomAccessFile(folder.resolve("huge.bin").toFile(), "rw")) {
            file.setLength(BIG);
            file.seek(0);
            file.write("start".getBytes());
            file.seek(0xFFFFFFFFL);
            file.write("across-4GiB".getBytes());
            file.seek(BIG - 3);
            file.write("end".getBytes());
        }
        Trees.file(folder, "small.txt", "after the big one".getBytes());
        http = new Http();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        http.close();
        Files.deleteIfExists(storage.resolve("large/huge.bin"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"store", "deflate"})
    void archiveOfFileOver4GiBStreamsWithCorrectSizesAndCrcs(String mode) throws Exception {
        try (var server = Server.Kind.JETTY.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0",
                "CHUNK_SIZE", "256", "COMPRESSION", mode,
                // about Zip64, not CRC waits: a loaded machine must not turn the cold 4 GiB CRC into a 503
                "CRC_WAIT_LIMIT", "600")); var stream = http.stream("GET", server.uri("/archive/large/"))) {
            assertEquals(200, stream.status());
            var counted = new Counting(stream.body());
            try (var zip = new ZipInputStream(counted)) {
                var entry = zip.getNextEntry();
                assertEquals("huge.bin", entry.getName());
                byte[] buffer = new byte[1 << 20];
                long total = 0;
                var crc = new CRC32();
                int n;
                while ((n = zip.read(buffer)) > 0) {
                    crc.update(buffer, 0, n);
                    total += n;
                }
                assertEquals(BIG, total, "every byte of the big file");
                // ZipInputStream has checked the entry against its own header or descriptor; check it against
                // the file as well, byte-independently of the archive's claim.
                assertEquals(crcOfSparseFile(), crc.getValue(), "content CRC");
                assertNotNull(zip.getNextEntry(), "the entry after it");
                assertEquals("after the big one", new String(zip.readAllBytes()));
                assertNull(zip.getNextEntry());
                counted.transferTo(java.io.OutputStream.nullOutputStream());
            }
            if (mode.equals("store")) {
                assertEquals(Long.parseLong(stream.headers().get("Content-Length")), counted.count,
                        "exact Content-Length over 4 GiB");
            }
        }
    }

    /** CRC-32 of the sparse file, computed over the file itself (not the archive). */
    private static long crcOfSparseFile() throws IOException {
        if (cachedCrc < 0) {
            var crc = new CRC32();
            try (var channel = java.nio.channels.FileChannel.open(storage.resolve("large/huge.bin"))) {
                var buffer = java.nio.ByteBuffer.allocateDirect(1 << 20);
                while (channel.read(buffer.clear()) > 0) {
                    crc.update(buffer.flip());
                }
            }
            cachedCrc = crc.getValue();
        }
        return cachedCrc;
    }

    private static long cachedCrc = -1;

    static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
