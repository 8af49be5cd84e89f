package dev.zipstream.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The folder that holds one sub-folder per archive. The only way from a request's hash to a path on disk: a hash
 * that is not a plain folder name never reaches the file system, and nothing is followed out of the root.
 */
public final class LocalStorage implements Storage {

    private final Path root;

    public LocalStorage(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** The archive folder for this hash, if the hash is a plain folder name and such a folder exists. */
    Optional<Path> resolve(String hash) {
        if (!Names.isPlainName(hash)) {
            return Optional.empty();
        }
        Path folder = root.resolve(hash);
        // A plain name resolves to a direct child, but a symlinked child could still point anywhere: refuse links.
        if (!folder.getParent().equals(root) || !Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        return Optional.of(folder);
    }

    /** The root may be an unmounted volume, or renamed: then nothing can be served, but it may come back. */
    @Override
    public String unavailableReason() {
        if (!Files.isDirectory(root)) {
            return "the storage folder is missing";
        }
        if (!Files.isReadable(root) || !Files.isExecutable(root)) {
            return "the storage folder cannot be read";
        }
        return null;
    }

    @Override
    public String describe() {
        return root.toString();
    }

    @Override
    public void close() {
    }

    @Override
    public Optional<Listing> list(String hash) throws IOException {
        var folder = resolve(hash);
        if (folder.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(list(hash, folder.get()));
    }

    /**
     * Opens a listed file, refusing it if it is no longer the regular file of the listing's size, time and version.
     * Looking before opening keeps a FIFO swapped in after the listing from blocking the reader; the file itself is
     * opened without following a link. Plain reads, never a memory map: a mapped file truncated while it is read
     * crashes the JVM.
     */
    @Override
    public ReadableByteChannel open(Listing.Entry entry, long from, long length) throws IOException {
        Path path = Path.of(entry.locator());
        Map<String, Object> before;
        try {
            before = Files.readAttributes(path, UNIX_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new EntryChanged(entry, "it was deleted");
        }
        if (!Boolean.TRUE.equals(before.get("isRegularFile"))) {
            throw new EntryChanged(entry, "it is no longer a regular file");
        }
        var channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            long size = channel.size();
            if (size != entry.size()) {
                throw new EntryChanged(entry, "size " + size + ", listed " + entry.size());
            }
            if (((FileTime) before.get("lastModifiedTime")).toMillis() != entry.mtime()) {
                throw new EntryChanged(entry, "modified after it was listed");
            }
            if (!version(before).equals(entry.version())) {
                throw new EntryChanged(entry, "replaced or changed after it was listed");
            }
            channel.position(from);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** One stat gives kind, size, time, inode and change time; the unix view has it on every platform we run on. */
    private static final String UNIX_ATTRIBUTES = "unix:isRegularFile,size,lastModifiedTime,ino,ctime";

    /** Inode and change time: a file rewritten in place and its mtime set back keeps size and mtime, not ctime. */
    private static String version(Map<String, Object> attrs) {
        return attrs.get("ino") + ":" + ((FileTime) attrs.get("ctime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /**
     * Everything the archive of {@code folder} will hold, taken once: regular files (recursively) and a directory
     * entry for each sub-folder that would otherwise not appear. Symbolic links are never followed, wherever they
     * point; FIFOs, sockets and devices are skipped (opening a FIFO would block the producer).
     */
    Listing list(String hash, Path folder) throws IOException {
        var entries = new ArrayList<Listing.Entry>();
        Deque<Integer> sizesAtEntry = new ArrayDeque<>();
        Files.walkFileTree(folder, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                sizesAtEntry.push(entries.size());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes basic) throws IOException {
                if (basic.isRegularFile()) {
                    var attrs = Files.readAttributes(file, UNIX_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                    entries.add(Listing.Entry.file(relative(folder, file), (Long) attrs.get("size"),
                            ((FileTime) attrs.get("lastModifiedTime")).toMillis(), file.toString(), version(attrs)));
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
                    entries.add(Listing.Entry.directory(relative(folder, dir) + "/",
                            attrs.lastModifiedTime().toMillis(), dir.toString()));
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
    @Override
    public List<String> hashes() throws IOException {
        try (var s = Files.list(root)) {
            return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> p.getFileName().toString())
                    .filter(Names::isPlainName)
                    .sorted()
                    .toList();
        }
    }
}
