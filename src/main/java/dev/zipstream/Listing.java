package dev.zipstream;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** One folder's archive contents, taken once per request: the names, sizes and times every later step uses. */
public record Listing(String hash, List<Entry> entries) {

    /**
     * @param name     the path inside the archive, '/'-separated, ending in '/' for a directory
     * @param mtime    modification time, epoch milliseconds
     */
    public record Entry(String name, byte[] nameBytes, Path path, long size, long mtime, boolean directory) {
        static Entry file(String name, Path path, long size, long mtime) {
            return new Entry(name, name.getBytes(StandardCharsets.UTF_8), path, size, mtime, false);
        }

        static Entry directory(String name, Path path, long mtime) {
            return new Entry(name, name.getBytes(StandardCharsets.UTF_8), path, 0, mtime, true);
        }
    }

    public long fileCount() {
        return entries.stream().filter(e -> !e.directory()).count();
    }

    public long totalSize() {
        return entries.stream().mapToLong(Entry::size).sum();
    }

    /** The newest modification time of any entry, for Last-Modified; 0 for an empty folder. */
    public long newestTime() {
        return entries.stream().mapToLong(Entry::mtime).max().orElse(0);
    }
}
