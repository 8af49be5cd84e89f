package dev.zipstream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The folder that holds one sub-folder per archive. The only way from a request's hash to a path on disk: a hash
 * that is not a plain folder name never reaches the file system, and nothing is followed out of the root.
 */
public final class Storage {

    private static final int MAX_NAME_BYTES = 255;

    private final Path root;

    public Storage(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** The archive folder for this hash, if the hash is a plain folder name and such a folder exists. */
    public Optional<Path> resolve(String hash) {
        if (!isPlainName(hash)) {
            return Optional.empty();
        }
        Path folder = root.resolve(hash);
        // A plain name resolves to a direct child, but a symlinked child could still point anywhere: refuse links.
        if (!folder.getParent().equals(root) || !Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        return Optional.of(folder);
    }

    /** Whether the storage root is there at all (it may be an unmounted volume). */
    public boolean isAvailable() {
        return Files.isDirectory(root);
    }

    static boolean isPlainName(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")) {
            return false;
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f || c == ':' || Character.isSurrogate(c) && !validPair(name, i)
                    || c == '\uFFFD') {
                return false;
            }
        }
        return true;
    }

    private static boolean validPair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /**
     * Everything the archive of {@code folder} will hold, taken once: regular files (recursively) and a directory
     * entry for each sub-folder that would otherwise not appear. Symbolic links are never followed, wherever they
     * point; FIFOs, sockets and devices are skipped (opening a FIFO would block the producer).
     */
    public Listing list(String hash, Path folder) throws IOException {
        var entries = new ArrayList<Listing.Entry>();
        Deque<Integer> sizesAtEntry = new ArrayDeque<>();
        Files.walkFileTree(folder, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                sizesAtEntry.push(entries.size());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    entries.add(Listing.Entry.file(relative(folder, file), file, attrs.size(),
                            attrs.lastModifiedTime().toMillis()));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                int before = sizesAtEntry.pop();
                if (!dir.equals(folder) && entries.size() == before) {
                    var attrs = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    entries.add(Listing.Entry.directory(relative(folder, dir) + "/", dir,
                            attrs.lastModifiedTime().toMillis()));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        entries.sort((a, b) -> Arrays.compareUnsigned(a.nameBytes(), b.nameBytes()));
        return new Listing(hash, List.copyOf(entries));
    }

    private static String relative(Path folder, Path p) {
        var sb = new StringBuilder();
        for (Path part : folder.relativize(p)) {
            if (!sb.isEmpty()) {
                sb.append('/');
            }
            sb.append(part);
        }
        return sb.toString();
    }

    /** The sub-folders of the root, for the debug index. */
    public List<String> hashes() throws IOException {
        try (var s = Files.list(root)) {
            return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> p.getFileName().toString())
                    .filter(Storage::isPlainName)
                    .sorted()
                    .toList();
        }
    }
}
