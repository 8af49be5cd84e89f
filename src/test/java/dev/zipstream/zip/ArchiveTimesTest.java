package dev.zipstream.zip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.zipstream.Readers;
import dev.zipstream.Trees;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.LocalStorage;
import dev.zipstream.streaming.Produce;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive's bytes and ETag depend on the folder and ZIP_TIME_ZONE only, and carry the true UTC times. */
class ArchiveTimesTest {

    @TempDir
    Path tmp;

    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
    /** 2024-03-31 01:30:07 UTC: summer time starts that night in Europe, and Tokyo is 9 h ahead. */
    private static final long MTIME = Instant.parse("2024-03-31T01:30:07.250Z").toEpochMilli();

    private Path folder(String hash) throws Exception {
        Path folder = Trees.awkward(tmp.resolve(hash));
        long t = MTIME;
        try (var paths = Files.walk(folder)) {
            for (Path p : paths.sorted().toList()) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(t));
                t += 3_600_000L + 1_111;
            }
        }
        return folder;
    }

    private byte[] stored(Listing listing, ZoneId zone) throws Exception {
        var zip = new StoredZip(listing, zone);
        var content = Fixtures.files(tmp);
        return Produce.run(4096, out -> Fixtures.store(zip, 0, zip.length(), content, out)).bytes();
    }

    private byte[] deflated(Listing listing, ZoneId zone) throws Exception {
        var storage = new LocalStorage(tmp);
        return Produce.run(4096, out -> ZipProducer.deflate(listing, storage, new ZipTimes(zone), out)).bytes();
    }

    private interface Bytes {
        byte[] get() throws Exception;
    }

    /** What the JVM's own zone would change: the test sets it, then puts it back. */
    private static byte[] inJvmZone(String zone, Bytes work) throws Exception {
        var saved = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone(zone));
        try {
            return work.get();
        } finally {
            TimeZone.setDefault(saved);
        }
    }

    @Test
    void storedBytesDoNotDependOnTheJvmZone() throws Exception {
        var listing = Fixtures.list(tmp, "src", folder("src"));
        byte[] utc = inJvmZone("UTC", () -> stored(listing, TOKYO));
        byte[] newYork = inJvmZone("America/New_York", () -> stored(listing, TOKYO));
        assertArrayEquals(utc, newYork);
        assertNotEquals(0, utc.length);
    }

    @Test
    void deflatedBytesDoNotDependOnTheJvmZone() throws Exception {
        var listing = Fixtures.list(tmp, "src", folder("src"));
        byte[] utc = inJvmZone("UTC", () -> deflated(listing, ZoneOffset.UTC));
        byte[] tokyo = inJvmZone("Asia/Tokyo", () -> deflated(listing, ZoneOffset.UTC));
        assertArrayEquals(utc, tokyo);
    }

    @Test
    void deflateAndStoreWriteTheSameTimesAndJavaReadsTheTrueTime() throws Exception {
        Path folder = folder("src");
        var listing = Fixtures.list(tmp, "src", folder);
        for (byte[] zip : List.of(stored(listing, TOKYO), inJvmZone("America/New_York", () -> deflated(listing, TOKYO)))) {
            Map<String, Long> seen = new HashMap<>();
            try (var in = new ZipInputStream(new ByteArrayInputStream(zip))) {
                for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    seen.put(e.getName(), e.getLastModifiedTime().toMillis());
                }
            }
            for (var entry : listing.entries()) {
                // The extended timestamp: whole UTC seconds, whatever zone the DOS time is in.
                assertEquals(Math.floorDiv(entry.mtime(), 1000) * 1000, seen.get(entry.name()), entry.name());
            }
            assertEquals(listing.entries().size(), seen.size());
        }
        // The DOS time of the first entry, in the local header, is Tokyo's clock in both modes.
        int expected = new ZipTimes(TOKYO).dosTime(listing.entries().get(0).mtime());
        assertEquals(expected, dosTimeOfFirstEntry(stored(listing, TOKYO)));
        assertEquals(expected, dosTimeOfFirstEntry(inJvmZone("Europe/Berlin", () -> deflated(listing, TOKYO))));
    }

    private static int dosTimeOfFirstEntry(byte[] zip) {
        return java.nio.ByteBuffer.wrap(zip).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(10);
    }

    /** unzip and bsdtar restore the true modification time from the extended timestamp, in any local zone. */
    @Test
    void extractedFilesGetTheirTrueTimesWhateverTheReadersZone() throws Exception {
        Path folder = folder("src");
        var listing = Fixtures.list(tmp, "src", folder);
        Path zip = tmp.resolve("tokyo.zip");
        Files.write(zip, stored(listing, TOKYO));
        for (var tool : List.of(List.of("unzip", "-q", zip.toString(), "-d", "{to}"),
                List.of("bsdtar", "-xf", zip.toString(), "-C", "{to}"))) {
            Assumptions.assumeTrue(onPath(tool.get(0)), tool.get(0) + " is not installed");
            Path into = Files.createTempDirectory(tmp, tool.get(0));
            var command = tool.stream().map(a -> a.replace("{to}", into.toString())).toList();
            var process = new ProcessBuilder(command).redirectErrorStream(true);
            process.environment().put("TZ", "America/New_York");
            var p = process.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), tool.get(0) + ": " + out);
            for (var entry : listing.entries()) {
                if (!entry.directory()) {
                    long extracted = Files.getLastModifiedTime(into.resolve(entry.name())).toMillis();
                    assertEquals(Math.floorDiv(entry.mtime(), 1000), Math.floorDiv(extracted, 1000),
                            tool.get(0) + ": " + entry.name());
                }
            }
        }
    }

    private static boolean onPath(String tool) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    /** Every entry pays 9 bytes in its local header and 9 in the central directory: 18 bytes. */
    @Test
    void extendedTimestampCostsEighteenBytesPerEntry() {
        var with = new ArrayList<Listing.Entry>();
        var without = new ArrayList<Listing.Entry>();
        for (int i = 0; i < 100; i++) {
            String name = "f" + i;
            with.add(Listing.Entry.file(name, 10, MTIME, "/x/" + name, "v"));
            without.add(Listing.Entry.file(name, 10, -86_400_000L, "/x/" + name, "v")); // 1969: DOS time only
        }
        long difference = new StoredZip(new Listing("h", with), ZoneOffset.UTC).length()
                - new StoredZip(new Listing("h", without), ZoneOffset.UTC).length();
        assertEquals(100 * 18, difference);
    }

    private static String etag(ZoneId zone, long mtime, String version) {
        var entries = List.of(Listing.Entry.directory("d/", mtime, "/x/d"),
                Listing.Entry.file("d/a", 5, mtime, "/x/d/a", version));
        return new StoredZip(new Listing("h", entries), zone).etag();
    }

    @Test
    void etagFollowsWhatDecidesTheBytesNotTheZonesName() {
        String utc = etag(ZoneOffset.UTC, MTIME, "1:1");
        // Names for the same rules: the same bytes, so the same tag.
        assertEquals(utc, etag(ZoneId.of("UTC"), MTIME, "1:1"));
        assertEquals(utc, etag(ZoneId.of("Etc/UTC"), MTIME, "1:1"));
        assertEquals(utc, etag(ZoneId.of("GMT"), MTIME, "1:1"));
        // London is on UTC in winter: same bytes for a January time, different for a July one.
        long january = Instant.parse("2024-01-15T10:00:00Z").toEpochMilli();
        long july = Instant.parse("2024-07-15T10:00:00Z").toEpochMilli();
        assertEquals(etag(ZoneOffset.UTC, january, "1:1"), etag(ZoneId.of("Europe/London"), january, "1:1"));
        assertNotEquals(etag(ZoneOffset.UTC, july, "1:1"), etag(ZoneId.of("Europe/London"), july, "1:1"));
        // Another clock, content version or second changes the bytes, so the tag.
        assertNotEquals(utc, etag(TOKYO, MTIME, "1:1"));
        assertNotEquals(utc, etag(ZoneOffset.UTC, MTIME, "1:2"));
        assertNotEquals(utc, etag(ZoneOffset.UTC, MTIME + 1000, "1:1"));
        // Milliseconds are written nowhere: the same bytes, the same tag.
        assertEquals(utc, etag(ZoneOffset.UTC, MTIME + 500, "1:1"));
    }

    /** Readers of every kind accept the extra field, in both modes. */
    @Test
    void everyReaderReadsArchivesWithExtendedTimestamps() throws Exception {
        Path folder = folder("src");
        var listing = Fixtures.list(tmp, "src", folder);
        Path stored = tmp.resolve("s.zip");
        Files.write(stored, stored(listing, TOKYO));
        Readers.assertAllRead(stored, Trees.expected(folder), tmp);
        Path deflated = tmp.resolve("d.zip");
        Files.write(deflated, deflated(listing, TOKYO));
        Readers.assertAllRead(deflated, Trees.expected(folder), tmp);
    }
}
