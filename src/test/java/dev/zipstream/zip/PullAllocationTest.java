package dev.zipstream.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.streaming.BufferPool;
import dev.zipstream.streaming.ChunkQueue;
import dev.zipstream.streaming.Pump;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store path's producer: file bytes into pooled buffers and out again, with nothing allocated per chunk. */
class PullAllocationTest {

    static final int CHUNK = 16 * 1024;

    @TempDir
    Path tmp;

    @Test
    void producingChunksAllocatesNothingPerChunk() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("h"));
        byte[] data = new byte[32 << 20]; // 2,048 chunks of 16 KiB
        new Random(1).nextBytes(data);
        Files.write(folder.resolve("big.bin"), data);
        var zip = new StoredZip(Fixtures.list(tmp, "h", folder), ZoneId.of("UTC"));
        var pool = new BufferPool(CHUNK, 8);
        var failure = new AtomicReference<Throwable>();
        var queue = new ChunkQueue(pool, 2, () -> { });
        // Runnable::run: the pump's runs happen here, on the measured thread
        var pump = new Pump(zip.cursor(0, zip.length(), Fixtures.files(tmp)), queue, Runnable::run, false,
                failure::set);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        var crc = new CRC32();
        long chunks = 0;
        long bytes = 0;
        long allocatedAtStart = 0;
        long allocated = 0;
        // Inside the file's data only: headers, the CRC read and the opening come before, the central directory
        // (bytes made once per entry) after.
        long measuredFrom = 256;
        long measuredTo = 1792;
        while (!queue.isDrained()) {
            pump.demand(chunks + 2);
            ByteBuffer chunk;
            while ((chunk = queue.poll()) != null) {
                if (++chunks == measuredFrom) {
                    allocatedAtStart = mx.getCurrentThreadAllocatedBytes();
                } else if (chunks == measuredTo) {
                    allocated = mx.getCurrentThreadAllocatedBytes() - allocatedAtStart;
                }
                bytes += chunk.remaining();
                if (chunks > 1 && bytes <= zip.length() - 1024) {
                    crc.update(chunk); // the file's bytes, except the first chunk (header) and the end
                }
                queue.release(chunk);
            }
            assertNull(failure.get());
        }
        pump.close();
        assertEquals(zip.length(), bytes);
        long measured = measuredTo - measuredFrom;
        assertTrue(chunks > measuredTo, "chunks: " + chunks);
        assertTrue(allocated < measured * 8, allocated + " bytes allocated for " + measured + " chunks");
        assertEquals(0, pool.outstanding(), "every buffer back in the pool");
        assertTrue(pool.created() <= 3, "buffers made: " + pool.created());
    }
}
