package dev.zipstream.links;

import dev.zipstream.storage.Listing;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * The files an {@code f} parameter picks, chosen from the listing's names alone: nothing is resolved on disk, so
 * no selection can reach outside the hash folder (a symbolic link is not in the listing, so it selects nothing).
 * Each {@code f} names a listed file, a folder ({@code a/b/} or {@code a/b}: everything under it), or an empty
 * folder's entry. Overlapping picks are a union; the archive keeps the listing's order.
 */
public final class Selection {
    private Selection() {
    }

    /** The selected listing; empty when any {@code f} is empty, repeated, not a clean relative path, or matches nothing. */
    public static Optional<Listing> select(Listing listing, List<String> files) {
        if (files.isEmpty()) {
            return Optional.of(listing);
        }
        if (new HashSet<>(files).size() != files.size() || !files.stream().allMatch(Selection::clean)) {
            return Optional.empty();
        }
        var matched = new boolean[files.size()];
        var selected = new ArrayList<Listing.Entry>();
        for (var entry : listing.entries()) {
            boolean in = false;
            for (int i = 0; i < files.size(); i++) {
                if (covers(files.get(i), entry.name())) {
                    matched[i] = true;
                    in = true;
                }
            }
            if (in) {
                selected.add(entry);
            }
        }
        for (boolean m : matched) {
            if (!m) {
                return Optional.empty();
            }
        }
        return Optional.of(listing.with(selected));
    }

    /** Whether the pick {@code f} takes the entry named {@code name} (a file, an empty folder's entry, or under a folder). */
    static boolean covers(String f, String name) {
        return name.equals(f) || name.startsWith(f.endsWith("/") ? f : f + "/");
    }

    /** Whether every pick lies inside the original selection (an empty original is the whole folder). */
    public static boolean narrows(List<String> original, List<String> picks) {
        return original.isEmpty() || picks.stream().allMatch(p -> original.stream().anyMatch(o -> covers(o, p)));
    }

    /** A relative, '/'-separated path without empty, {@code .} or {@code ..} segments (a final '/' is allowed). */
    static boolean clean(String f) {
        if (f.isEmpty() || f.startsWith("/") || f.indexOf('\\') >= 0 || f.indexOf('\0') >= 0) {
            return false;
        }
        String body = f.endsWith("/") ? f.substring(0, f.length() - 1) : f;
        for (String segment : body.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
