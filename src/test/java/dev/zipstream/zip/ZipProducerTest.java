package dev.zipstream.zip;

import dev.zipstream.Readers;
import dev.zipstream.Trees;
import dev.zipstream.config.Settings;
import dev.zipstream.http.Service;
import dev.zipstream.storage.EntryChanged;
import dev.zipstream.storage.LocalStorage;
import dev.zipstream.streaming.Produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ZipProducerTest {

    @TempDir
    Path tmp;

    private static final int CHUNK = 16 * 1024;

    private Produce.Result produce(Path folder, Settings.Compression mode) throws Exception {
        var listing = Fixtures.list(folder.getParent(), folder.getFileName().toString(), folder);
        if (mode == Settings.Compression.DEFLATE) {
            return Produce.run(CHUNK, out -> ZipProducer.deflate(listing, new LocalStorage(folder.getParent()), ZipTimes.UTC, out));
        }
        var zip = new StoredZip(listing, ZoneId.systemDefault());
        return Produce.run(CHUNK, out -> Fixtures.store(zip, 0, zip.length(), Fixtures.files(folder.getParent()), out));
    }

    @ParameterizedTest
    @EnumSource(Settings.Compression.class)
    void archiveOfAwkwardTreeReadsBackIdenticallyInEveryReader(Settings.Compression mode) throws Exception {
        Path folder = Trees.awkward(tmp.resolve("src"));
        var result = produce(folder, mode);
        Path zip = tmp.resolve("out.zip");
        Files.write(zip, result.bytes());
        Readers.assertAllRead(zip, Trees.expected(folder), tmp);
    }

    @ParameterizedTest
    @EnumSource(Settings.Compression.class)
    void everyChunkButTheLastIsExactlyChunkSize(Settings.Compression mode) throws Exception {
        var result = produce(Trees.awkward(tmp.resolve("src")), mode);
        var lengths = result.chunkLengths();
        assertTrue(lengths.size() > 3, "enough chunks to mean something: " + lengths.size());
        for (int i = 0; i < lengths.size() - 1; i++) {
            assertEquals(CHUNK, lengths.get(i), "chunk " + i);
        }
        int last = lengths.get(lengths.size() - 1);
        assertTrue(last > 0 && last <= CHUNK, "last chunk " + last);
        assertTrue(result.maxBuffers() <= Service.MAX_BUFFERS_PER_DOWNLOAD, "buffers " + result.maxBuffers());
    }

    @ParameterizedTest
    @EnumSource(Settings.Compression.class)
    void emptyFolderGivesValidEmptyArchive(Settings.Compression mode) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("empty"));
        var result = produce(folder, mode);
        assertEquals(22, result.bytes().length, "an end record and nothing else");
        Path zip = tmp.resolve("empty.zip");
        Files.write(zip, result.bytes());
        assertEquals(Map.of(), Readers.javaZipFile(zip));
        Readers.pythonMatches(zip, Map.of());
    }

    @ParameterizedTest
    @EnumSource(Settings.Compression.class)
    void sameListingGivesIdenticalBytes(Settings.Compression mode) throws Exception {
        Path folder = Trees.awkward(tmp.resolve("src"));
        assertEquals(Readers.sha256(produce(folder, mode).bytes()), Readers.sha256(produce(folder, mode).bytes()));
    }

    @ParameterizedTest
    @EnumSource(Settings.Compression.class)
    void fileThatShrankAfterListingFailsTheArchive(Settings.Compression mode) throws Exception {
        Path folder = Trees.awkward(tmp.resolve("src"));
        var listing = Fixtures.list(tmp, "src", folder);
        Path victim = folder.resolve("Zebra.txt");
        var time = Files.getLastModifiedTime(victim);
        Files.write(victim, "short".getBytes());
        Files.setLastModifiedTime(victim, time); // same time: only the size gives it away
        var zip = new StoredZip(listing, ZoneId.systemDefault());
        AssertionError e = assertThrows(AssertionError.class, () -> Produce.run(CHUNK, out -> {
            if (mode == Settings.Compression.DEFLATE) {
                ZipProducer.deflate(listing, new LocalStorage(folder.getParent()), ZipTimes.UTC, out);
            } else {
                Fixtures.store(zip, 0, zip.length(), Fixtures.files(folder.getParent()), out);
            }
        }));
        assertTrue(e.getCause() instanceof EntryChanged, "cause: " + e.getCause());
    }

    @Test
    void storedEntriesHaveNoDataDescriptorAndUtf8Flag() throws Exception {
        var result = produce(Trees.awkward(tmp.resolve("src")), Settings.Compression.STORE);
        byte[] b = result.bytes();
        int headers = 0;
        for (int i = 0; i + 8 < b.length; i++) {
            if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 3 && b[i + 3] == 4) {
                int flags = (b[i + 6] & 0xff) | (b[i + 7] & 0xff) << 8;
                int method = (b[i + 8] & 0xff) | (b[i + 9] & 0xff) << 8;
                if (method == 0 && (flags & ~0x0800) == 0 && (flags & 0x0800) != 0) {
                    headers++;
                }
            }
        }
        assertEquals(Trees.expected(tmp.resolve("src")).size(), headers,
                "every local header: STORED, bit 11 set, bit 3 clear");
    }
}
