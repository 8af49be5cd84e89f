package dev.zipstream.zip;

import dev.zipstream.Readers;
import dev.zipstream.Trees;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.LocalStorage;
import dev.zipstream.streaming.ChunkOutputStream;
import dev.zipstream.streaming.Produce;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoredZipTest {

    @TempDir
    Path tmp;

    private static final ZoneId ZONE = ZoneId.systemDefault();

    private static byte[] write(StoredZip zip, long start, long end, StoredZip.Content content) throws Exception {
        return Produce.run(4096, out -> Fixtures.store(zip, start, end, content, out)).bytes();
    }

    @Test
    void predictedLengthEqualsBytesWrittenForRandomTrees() throws Exception {
        var rnd = new Random(2026);
        for (int i = 0; i < 300; i++) {
            Path folder = Trees.random(tmp.resolve("t" + i), rnd, 1 + rnd.nextInt(25), 3000);
            var listing = Fixtures.list(tmp, "t" + i, folder);
            var zip = new StoredZip(listing, ZONE);
            byte[] bytes = write(zip, 0, zip.length(), Fixtures.files(tmp));
            assertEquals(zip.length(), bytes.length, "tree " + i);
            Readers.assertSame(Trees.expected(folder), Readers.javaZipInputStream(bytes), "tree " + i);
            if (i % 50 == 0) {
                Path file = tmp.resolve("t" + i + ".zip");
                Files.write(file, bytes);
                Readers.assertAllRead(file, Trees.expected(folder), tmp);
            }
        }
    }

    @Test
    void anyRangeEqualsTheSameSliceOfTheWholeArchive() throws Exception {
        var rnd = new Random(7);
        Path folder = Trees.awkward(tmp.resolve("src"));
        var zip = new StoredZip(Fixtures.list(tmp, "src", folder), ZONE);
        var storage = new LocalStorage(tmp);
        var cache = new CrcCache(1000, storage);
        byte[] whole = write(zip, 0, zip.length(), StoredZip.files(cache, storage));
        for (int i = 0; i < 200; i++) {
            long a = rnd.nextLong(zip.length());
            long b = a + 1 + rnd.nextLong(zip.length() - a);
            if (i % 4 == 0) {
                b = Math.min(zip.length(), a + 1 + rnd.nextInt(64)); // short ones, inside headers
            }
            byte[] part = write(zip, a, b, StoredZip.files(cache, storage));
            assertArrayEquals(Arrays.copyOfRange(whole, (int) a, (int) b), part, "range " + a + "-" + b);
        }
    }

    /**
     * Generated content with the thresholds lowered: offsets, sizes and entry counts cross the Zip64 limits with
     * small files, so every Zip64 path (local and central extra fields, offsets, the Zip64 end records) is written
     * and read back, and the predicted length still matches.
     */
    @Test
    void zip64PathsReachedThroughLoweredLimitsStayExactAndReadable() throws Exception {
        for (int count : new int[] {1, 5, 19, 20, 21, 60}) {
            Path folder = tmp.resolve("z" + count);
            var rnd = new Random(count);
            for (int i = 0; i < count; i++) {
                Trees.file(folder, "dir/é-" + i + ".bin", Trees.bytes(rnd, rnd.nextInt(3) == 0 ? 0 : 900 + rnd.nextInt(300)));
            }
            var listing = Fixtures.list(tmp, "z" + count, folder);
            var zip = new StoredZip(listing, ZONE, new StoredZip.Limits(1000, 20));
            byte[] bytes = write(zip, 0, zip.length(), Fixtures.files(tmp));
            assertEquals(zip.length(), bytes.length, count + " entries");
            Path file = tmp.resolve("z" + count + ".zip");
            Files.write(file, bytes);
            Readers.assertAllRead(file, Trees.expected(folder), tmp);
        }
    }

    /** More than 65,535 entries, as names only: Zip64 end records, exact length, and readers agree. */
    @Test
    void moreThan65535EntriesGiveExactLengthAndValidArchive() throws Exception {
        var entries = new ArrayList<Listing.Entry>();
        for (int i = 0; i < 70_000; i++) {
            String name = String.format("f/%06d", i);
            entries.add(Listing.Entry.file(name, 1, 1_700_000_000_000L, tmp.resolve(name).toString(), ""));
        }
        var zip = new StoredZip(new Listing("many", entries), ZONE);
        byte[] bytes = write(zip, 0, zip.length(), new Generated());
        assertEquals(zip.length(), bytes.length);
        Path file = tmp.resolve("many.zip");
        Files.write(file, bytes);
        assertEquals(70_000, Readers.javaZipFile(file).size());
        Readers.unzipTest(file);
        Readers.run(java.util.List.of("python3", "-c",
                "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; "
                        + "assert len(z.infolist())==70000", file.toString()), "python zipfile");
    }

    /** Content that is one byte 'x' per entry: no files needed. */
    static final class Generated implements StoredZip.Content {
        @Override
        public int crc(Listing.Entry entry) {
            var crc = new CRC32();
            for (long i = 0; i < entry.size(); i++) {
                crc.update('x');
            }
            return (int) crc.getValue();
        }

        @Override
        public ReadableByteChannel open(Listing.Entry entry, long from, long length) {
            byte[] b = new byte[(int) length];
            Arrays.fill(b, (byte) 'x');
            return Channels.newChannel(new ByteArrayInputStream(b));
        }
    }

    @Test
    void crcOfAFileIsReadOnceAcrossDownloads() throws Exception {
        Path folder = Trees.awkward(tmp.resolve("src"));
        var zip = new StoredZip(Fixtures.list(tmp, "src", folder), ZONE);
        var storage = new LocalStorage(tmp);
        var cache = new CrcCache(1000, storage);
        write(zip, 0, zip.length(), StoredZip.files(cache, storage));
        long first = cache.bytesRead();
        write(zip, 0, zip.length(), StoredZip.files(cache, storage));
        write(zip, zip.length() / 2, zip.length(), StoredZip.files(cache, storage));
        assertEquals(Files.walk(folder).filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum(), first);
        assertEquals(first, cache.bytesRead(), "a second download and a resumed one read no file for its CRC");
    }

}
