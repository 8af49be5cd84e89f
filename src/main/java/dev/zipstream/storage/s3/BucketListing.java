package dev.zipstream.storage.s3;

import dev.zipstream.storage.Listing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Decides which objects under an archive's prefix become entries of its archive. A key ending in '/' is a folder
 * marker: it is a directory entry only when nothing lies under it. Keys that would be unsafe or ambiguous when
 * extracted are skipped (and reported), never archived.
 */
final class BucketListing {

    /**
     * One listed object.
     *
     * @param name  the key relative to the archive's prefix ({@code prefix + hash + "/"})
     * @param mtime LastModified, epoch milliseconds
     * @param etag  the object's ETag as listed (quotes included), or null when the store gave none
     */
    record Item(String name, long size, long mtime, String etag) {
    }

    /** A key left out of the archive, by its relative name, and why. */
    record Skipped(String name, String why) {
    }

    record Result(List<Listing.Entry> entries, List<Skipped> skipped) {
    }

    /** An object without an ETag could be replaced mid-download without anyone noticing: it cannot be served. */
    static final class NoEtag extends IOException {
        NoEtag(String name) {
            super("the object " + name + " was listed without an ETag, so a change while it is read could not be "
                    + "detected; the store must return ETags");
        }
    }

    private BucketListing() {
    }

    /**
     * @param locatorPrefix what each entry's locator starts with ({@code s3://bucket/prefix/hash/})
     */
    static Result decide(String locatorPrefix, List<Item> items) throws NoEtag {
        var safe = new ArrayList<Item>();
        var skipped = new ArrayList<Skipped>();
        for (Item item : items) {
            if (item.name().isEmpty()) {
                continue; // the archive folder's own marker
            }
            String why = unsafe(item.name());
            if (why != null) {
                skipped.add(new Skipped(item.name(), why));
            } else {
                safe.add(item);
            }
        }
        var names = new TreeSet<String>();
        safe.forEach(i -> names.add(i.name()));
        var entries = new ArrayList<Listing.Entry>();
        for (Item item : safe) {
            String name = item.name();
            boolean marker = name.endsWith("/");
            // Every key that starts with "x/" sorts right after "x/" itself (String order keeps prefixes together).
            String under = marker ? name : name + "/";
            String next = marker ? names.higher(name) : names.ceiling(under);
            boolean hasChildren = next != null && next.startsWith(under);
            if (marker) {
                if (!hasChildren) {
                    entries.add(Listing.Entry.directory(name, item.mtime(), locatorPrefix + name));
                }
                continue; // a marker with keys under it adds nothing: the keys make the folder
            }
            if (hasChildren) {
                skipped.add(new Skipped(name, "it is both a file and a folder of other keys"));
                continue;
            }
            if (item.etag() == null || item.etag().isBlank()) {
                throw new NoEtag(name);
            }
            entries.add(Listing.Entry.file(name, item.size(), item.mtime(), locatorPrefix + name, item.etag()));
        }
        entries.sort(Comparator.comparing(Listing.Entry::nameBytes, Arrays::compareUnsigned));
        return new Result(List.copyOf(entries), List.copyOf(skipped));
    }

    /** Why a relative key could not be extracted safely and unambiguously, or null when it can. */
    static String unsafe(String name) {
        String path = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        if (path.startsWith("/")) {
            return "it starts with '/'";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) {
                return "it has an empty path segment";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "it has a '" + segment + "' segment";
            }
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\\') {
                return "it contains '\\'";
            }
            if (c < 0x20 || c == 0x7f) {
                return "it contains a control character";
            }
        }
        if (path.getBytes(StandardCharsets.UTF_8).length > 0xFFFF) {
            return "it is too long for a ZIP entry name";
        }
        return null;
    }
}
