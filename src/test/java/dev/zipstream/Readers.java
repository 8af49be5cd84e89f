package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Independent ZIP readers: Info-ZIP unzip, 7-Zip, libarchive's bsdtar, Python's zipfile, and the JDK's ZipFile and
 * ZipInputStream. Each check reads an archive the way a user's tool would and compares it with the source.
 */
public final class Readers {
    private Readers() {
    }

    /** Every reader agrees that {@code zip} holds exactly {@code expected} (name to content). */
    public static void assertAllRead(Path zip, Map<String, byte[]> expected, Path scratch) throws Exception {
        assertSame(expected, javaZipFile(zip), "java.util.zip.ZipFile");
        try (var in = Files.newInputStream(zip)) {
            assertSame(expected, javaZipInputStream(in), "java.util.zip.ZipInputStream");
        }
        unzipTest(zip);
        sevenZipTest(zip, expected.size());
        bsdtarExtractMatches(zip, expected, Files.createTempDirectory(scratch, "bsdtar"));
        pythonMatches(zip, expected);
    }

    public static void assertSame(Map<String, byte[]> expected, Map<String, byte[]> actual, String reader) {
        assertEquals(expected.keySet(), actual.keySet(), reader + ": entry names");
        for (var e : expected.entrySet()) {
            assertArrayEquals(e.getValue(), actual.get(e.getKey()), reader + ": content of " + e.getKey());
        }
    }

    public static Map<String, byte[]> javaZipFile(Path zip) throws IOException {
        var map = new TreeMap<String, byte[]>();
        try (var file = new ZipFile(zip.toFile(), StandardCharsets.UTF_8)) {
            var entries = file.entries();
            while (entries.hasMoreElements()) {
                var entry = entries.nextElement();
                try (var in = file.getInputStream(entry)) {
                    map.put(entry.getName(), in.readAllBytes());
                }
            }
        }
        return map;
    }

    /** Front to back, as a streaming reader does: checks each entry's size and CRC on the way. */
    public static Map<String, byte[]> javaZipInputStream(InputStream stream) throws IOException {
        var map = new TreeMap<String, byte[]>();
        try (var in = new ZipInputStream(stream, StandardCharsets.UTF_8)) {
            for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                map.put(entry.getName(), in.readAllBytes());
            }
        }
        return map;
    }

    public static Map<String, byte[]> javaZipInputStream(byte[] zip) throws IOException {
        return javaZipInputStream(new ByteArrayInputStream(zip));
    }

    public static void unzipTest(Path zip) throws Exception {
        run(List.of("unzip", "-tqq", zip.toString()), "unzip -t");
    }

    public static void sevenZipTest(Path zip, int entries) throws Exception {
        String out = run(List.of("7z", "t", "-bd", zip.toString()), "7z t");
        if (entries > 0 && !out.contains("Everything is Ok")) {
            throw new AssertionError("7z t did not say Everything is Ok:\n" + out);
        }
    }

    public static void bsdtarExtractMatches(Path zip, Map<String, byte[]> expected, Path into) throws Exception {
        run(List.of("bsdtar", "-tf", zip.toString()), "bsdtar -t");
        run(List.of("bsdtar", "-xf", zip.toString(), "-C", into.toString()), "bsdtar -x");
        assertSame(expected, Trees.expected(into), "bsdtar");
    }

    public static void pythonMatches(Path zip, Map<String, byte[]> expected) throws Exception {
        String script = String.join("\n",
                "import sys, zipfile, hashlib",
                "z = zipfile.ZipFile(sys.argv[1])",
                "bad = z.testzip()",
                "assert bad is None, 'bad entry: %r' % bad",
                "for i in z.infolist():",
                "    assert i.flag_bits & 0x800, 'UTF-8 flag missing on %r' % i.filename",
                "    print(i.filename + '\\t' + hashlib.sha256(z.read(i)).hexdigest())");
        String out = run(List.of("python3", "-c", script, zip.toString()), "python zipfile");
        var actual = new TreeMap<String, String>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                int tab = line.lastIndexOf('\t');
                actual.put(line.substring(0, tab), line.substring(tab + 1));
            }
        }
        var wanted = new TreeMap<String, String>();
        for (var e : expected.entrySet()) {
            wanted.put(e.getKey(), sha256(e.getValue()));
        }
        assertEquals(wanted, actual, "python zipfile: names and contents");
    }

    public static String sha256(byte[] b) {
        try {
            var sb = new StringBuilder();
            for (byte x : java.security.MessageDigest.getInstance("SHA-256").digest(b)) {
                sb.append(String.format("%02x", x));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a reader; fails the test with its output when it fails. */
    public static String run(List<String> command, String what) throws Exception {
        var cmd = new ArrayList<>(command);
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.environment().put("PYTHONIOENCODING", "utf-8");
        var process = pb.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(what + " did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError(what + " failed (exit " + process.exitValue() + "):\n" + text);
        }
        return text;
    }
}
