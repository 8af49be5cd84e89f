package dev.zipstream.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
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
    private static final String UNIX_ATTRIBUTES = "unix:isRegularFile,isDirectory,size,lastModifiedTime,ino,ctime";

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
        addUnder(folder, "", entries);
        entries.sort((a, b) -> Arrays.compareUnsigned(a.nameBytes(), b.nameBytes()));
        return new Listing(hash, List.copyOf(entries));
    }

    /**
     * Adds the regular files under {@code dir}, recursively, and a directory entry for each sub-folder that adds
     * nothing else. One stat per path (the unix view gives kind, size, time, inode and change time at once), never
     * following a link: a link is neither a regular file nor a directory here, so it is skipped like a FIFO.
     */
    private static void addUnder(Path dir, String prefix, List<Listing.Entry> entries) throws IOException {
        try (var children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                var attrs = Files.readAttributes(child, UNIX_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                long mtime = ((FileTime) attrs.get("lastModifiedTime")).toMillis();
                // The name in the archive is built as the walk goes down: relativizing each path again costs a
                // Path per level for every file of every request.
                String name = prefix + child.getFileName();
                if (Boolean.TRUE.equals(attrs.get("isRegularFile"))) {
                    entries.add(Listing.Entry.file(name, (Long) attrs.get("size"), mtime, child.toString(),
                            version(attrs)));
                } else if (Boolean.TRUE.equals(attrs.get("isDirectory"))) {
                    int before = entries.size();
                    addUnder(child, name + "/", entries);
                    if (entries.size() == before) {
                        entries.add(Listing.Entry.directory(name + "/", mtime, child.toString()));
                    }
                }
            }
        }
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
