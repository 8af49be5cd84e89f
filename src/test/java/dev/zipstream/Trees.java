package dev.zipstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Folders of files to archive, and what an archive of them must hold. */
public final class Trees {
    private Trees() {
    }

    /** A fixed tree with every awkward case: UTF-8 names, spaces, nesting, empty files and folders. */
    public static Path awkward(Path dir) throws IOException {
        var rnd = new Random(42);
        file(dir, "photos/été 2024/IMG 0001.jpg", bytes(rnd, 70_000));
        file(dir, "photos/été 2024/IMG 0002.jpg", bytes(rnd, 123_457));
        file(dir, "日本語/ファイル.txt", "こんにちは\n".repeat(100).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        file(dir, "a/b/c/d/e/deep.bin", bytes(rnd, 3_333));
        file(dir, "empty.txt", new byte[0]);
        file(dir, "spaces in name.txt", "hello world\n".getBytes());
        file(dir, "Zebra.txt", "Z".repeat(5000).getBytes());
        file(dir, "ünïcödé ✓.bin", bytes(rnd, 1));
        Files.createDirectories(dir.resolve("empty folder"));
        Files.createDirectories(dir.resolve("nested/empty/inner"));
        return dir;
    }

    /** A random tree: random depth, names from several scripts, empty files and folders, sizes up to maxSize. */
    public static Path random(Path dir, Random rnd, int files, int maxSize) throws IOException {
        String[] parts = {"a", "B", "photo", "é", "日本", "Ωmega", "with space", "x.y", "ß", "😀", "z"};
        Files.createDirectories(dir);
        for (int i = 0; i < files; i++) {
            var name = new StringBuilder();
            int depth = rnd.nextInt(4);
            for (int d = 0; d < depth; d++) {
                name.append(parts[rnd.nextInt(parts.length)]).append(d).append('/');
            }
            name.append(parts[rnd.nextInt(parts.length)]).append('-').append(i);
            if (rnd.nextInt(8) == 0) {
                Files.createDirectories(dir.resolve(name.toString()));
            } else {
                int size = rnd.nextInt(6) == 0 ? 0 : rnd.nextInt(maxSize + 1);
                file(dir, name.toString(), bytes(rnd, size));
            }
        }
        return dir;
    }

    public static void file(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        // Whole seconds, and even ones: the DOS time in a ZIP has a 2-second resolution.
        Files.setLastModifiedTime(p, FileTime.fromMillis(1_700_000_000_000L));
    }

    public static byte[] bytes(Random rnd, int size) {
        byte[] b = new byte[size];
        rnd.nextBytes(b);
        return b;
    }

    /**
     * What the archive of {@code dir} must contain: every regular file by its '/'-separated relative name, and a
     * folder entry (name ending in '/', empty content) for each folder with nothing else in it.
     */
    public static Map<String, byte[]> expected(Path dir) {
        var map = new TreeMap<String, byte[]>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.forEach(p -> {
                if (p.equals(dir)) {
                    return;
                }
                String name = dir.relativize(p).toString().replace('\\', '/');
                try {
                    if (Files.isSymbolicLink(p)) {
                        return;
                    }
                    if (Files.isRegularFile(p)) {
                        map.put(name, Files.readAllBytes(p));
                    } else if (Files.isDirectory(p) && isEmptyOfFiles(p)) {
                        map.put(name + "/", new byte[0]);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }

    private static boolean isEmptyOfFiles(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.noneMatch(p -> !p.equals(folder) && !Files.isSymbolicLink(p)
                    && (Files.isRegularFile(p) || Files.isDirectory(p)));
        }
    }
}
