package dev.zipstream.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.storage.Listing;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BucketListingTest {

    private static final String AT = "s3://b/p/h/";

    private static BucketListing.Item file(String name) {
        return new BucketListing.Item(name, name.length(), 1_700_000_000_000L, "\"etag-" + name + "\"");
    }

    private static BucketListing.Item marker(String name) {
        return new BucketListing.Item(name, 4096, 1_700_000_000_000L, "\"d41d8cd98f00b204e9800998ecf8427e\"");
    }

    private static List<String> names(BucketListing.Result r) {
        return r.entries().stream().map(Listing.Entry::name).toList();
    }

    @Test
    void filesKeepTheirSizeTimeEtagAndLocator() throws Exception {
        var r = BucketListing.decide(AT, List.of(file("a/b.txt")));
        var e = r.entries().get(0);
        assertEquals("a/b.txt", e.name());
        assertEquals(7, e.size());
        assertEquals(1_700_000_000_000L, e.mtime());
        assertEquals("\"etag-a/b.txt\"", e.version());
        assertEquals("s3://b/p/h/a/b.txt", e.locator());
        assertFalse(e.directory());
    }

    @Test
    void markerIsADirectoryOnlyWhenNothingLiesUnderIt() throws Exception {
        var r = BucketListing.decide(AT, List.of(marker(""), marker("empty/"), marker("full/"), file("full/x"),
                marker("nested/"), marker("nested/inner/")));
        assertEquals(List.of("empty/", "full/x", "nested/inner/"), names(r));
        assertTrue(r.entries().get(0).directory());
        assertEquals(0, r.entries().get(0).size(), "a marker's own size (4096 on s3proxy) is not the entry's");
        assertTrue(r.skipped().isEmpty());
    }

    @Test
    void fileThatIsAlsoAFolderIsSkipped() throws Exception {
        // "a.txt" and "a b" sort between "a" and "a/c": the check must still find "a/c".
        var r = BucketListing.decide(AT, List.of(file("a"), file("a b"), file("a.txt"), file("a/c"), file("d"),
                marker("d/")));
        assertEquals(List.of("a b", "a.txt", "a/c", "d/"), names(r));
        assertEquals(List.of("a", "d"), r.skipped().stream().map(BucketListing.Skipped::name).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/abs", "a//b", "../up", "a/../b", "./x", "a/./b", "a\\b", "..", ".", "x/..",
        "tab\there", "nl\nhere", "del\u007fhere", "a//", "../"})
    void unsafeKeysAreSkippedWithAReason(String name) throws Exception {
        assertNotNull(BucketListing.unsafe(name), name);
        var r = BucketListing.decide(AT, List.of(file(name), file("ok.txt")));
        assertEquals(List.of("ok.txt"), names(r));
        assertEquals(name, r.skipped().get(0).name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "été/photo 1.jpg", "日本語/ファイル.txt", "a..b", "...", ".hidden", "x/y/z/", "a:b"})
    void ordinaryKeysAreSafe(String name) {
        assertNull(BucketListing.unsafe(name), name);
    }

    @Test
    void objectWithoutEtagRefusesTheListing() {
        var items = List.of(file("ok"), new BucketListing.Item("no-etag", 3, 0, null));
        var e = assertThrows(BucketListing.NoEtag.class, () -> BucketListing.decide(AT, items));
        assertTrue(e.getMessage().contains("no-etag"));
        assertThrows(BucketListing.NoEtag.class,
                () -> BucketListing.decide(AT, List.of(new BucketListing.Item("blank", 3, 0, ""))));
    }

    @Test
    void entriesAreSortedByUtf8BytesNotUtf16() throws Exception {
        // U+FF5E (3 UTF-8 bytes, 0xEF...) sorts after U+1F600 (a surrogate pair in UTF-16, 0xF0 in UTF-8)
        // in UTF-16 order but before it in byte order.
        var items = new ArrayList<>(List.of(file("\uD83D\uDE00"), file("\uFF5E"), file("z")));
        var r = BucketListing.decide(AT, items);
        assertEquals(List.of("z", "\uFF5E", "\uD83D\uDE00"), names(r));
    }
}
