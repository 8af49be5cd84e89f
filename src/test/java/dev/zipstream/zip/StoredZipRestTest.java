package dev.zipstream.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.Eventually;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Random;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Between two chunks a cursor keeps its local file open only while a shared permit allows it. */
class StoredZipRestTest {

    @TempDir
    Path tmp;

    @Test
    void restingKeepsTheFileOpenOnlyWithAPermitAndGivesThePermitBackAtTheEnd() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("h"));
        byte[] data = new byte[1 << 20];
        new Random(3).nextBytes(data);
        Files.write(folder.resolve("a.bin"), data);
        var zip = new StoredZip(Fixtures.list(tmp, "h", folder), ZoneId.of("UTC"));
        var content = Fixtures.files(tmp);
        var permits = new Semaphore(1);
        var first = zip.cursor(0, zip.length(), content, permits);
        var second = zip.cursor(0, zip.length(), content, permits);
        var chunk = ByteBuffer.allocateDirect(64 << 10);
        assertTrue(first.fill(chunk.clear()));
        first.rest();
        assertTrue(second.fill(chunk.clear()));
        second.rest();
        assertEquals(0, permits.availablePermits(), "the first cursor holds the one permit");
        assertEquals(1, Eventually.openFilesUnder(folder), "the first keeps its file, the second closed its own");
        assertTrue(second.fill(chunk.clear()), "the second opens its file again where it left off");
        second.rest();
        first.close();
        second.close();
        assertEquals(1, permits.availablePermits());
        assertEquals(0, Eventually.openFilesUnder(folder));
    }
}
