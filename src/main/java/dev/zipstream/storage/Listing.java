package dev.zipstream.storage;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** One folder's archive contents, taken once per request: the names, sizes and times every later step uses. */
public record Listing(String hash, List<Entry> entries) {

    /**
     * @param name     the path inside the archive, '/'-separated, ending in '/' for a directory
     * @param mtime    modification time, epoch milliseconds
     * @param locator  where the storage finds it (a local absolute path, or {@code s3://bucket/key})
     * @param version  what changes when the content may have changed though size and time did not (a local
     *                 file's inode and change time, an object's ETag); part of every cache key
     */
    public record Entry(String name, byte[] nameBytes, long size, long mtime, boolean directory, String locator,
            String version) {

        public static Entry file(String name, long size, long mtime, String locator, String version) {
            return new Entry(name, name.getBytes(StandardCharsets.UTF_8), size, mtime, false, locator, version);
        }

        public static Entry directory(String name, long mtime, String locator) {
            return new Entry(name, name.getBytes(StandardCharsets.UTF_8), 0, mtime, true, locator, "");
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

    /** The same folder with only these entries (a selection), in the same order. */
    public Listing with(List<Entry> selected) {
        return new Listing(hash, List.copyOf(selected));
    }
}
