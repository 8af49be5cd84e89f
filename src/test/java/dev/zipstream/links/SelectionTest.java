package dev.zipstream.links;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.storage.Listing;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SelectionTest {

    static final Listing LISTING = new Listing("h", List.of(
            Listing.Entry.file("2024/summer/a.jpg", 1, 0, "/x", ""),
            Listing.Entry.file("2024/summer/b.jpg", 2, 0, "/x", ""),
            Listing.Entry.file("2024/winter/c.jpg", 3, 0, "/x", ""),
            Listing.Entry.file("2024x.jpg", 4, 0, "/x", ""),
            Listing.Entry.directory("empty/", 0, "/x"),
            Listing.Entry.file("top.txt", 5, 0, "/x", "")));

    static List<String> names(List<String> f) {
        return Selection.select(LISTING, f).orElseThrow().entries().stream().map(Listing.Entry::name).toList();
    }

    @Test
    void noPickIsTheWholeFolder() {
        assertEquals(LISTING, Selection.select(LISTING, List.of()).orElseThrow());
    }

    @Test
    void aFileAFolderANestedFolderAndAnEmptyFolder() {
        assertEquals(List.of("top.txt"), names(List.of("top.txt")));
        assertEquals(List.of("2024/summer/a.jpg", "2024/summer/b.jpg", "2024/winter/c.jpg"), names(List.of("2024/")));
        assertEquals(List.of("2024/summer/a.jpg", "2024/summer/b.jpg", "2024/winter/c.jpg"), names(List.of("2024")),
                "a folder without its slash, and never the file 2024x.jpg");
        assertEquals(List.of("2024/summer/a.jpg", "2024/summer/b.jpg"), names(List.of("2024/summer/")));
        assertEquals(List.of("empty/"), names(List.of("empty/")));
        assertEquals(List.of("empty/"), names(List.of("empty")));
    }

    @Test
    void overlappingPicksAreAUnionInListingOrder() {
        assertEquals(List.of("2024/summer/a.jpg", "2024/summer/b.jpg", "top.txt"),
                names(List.of("top.txt", "2024/summer/", "2024/summer/a.jpg")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "missing.jpg", "../h/top.txt", "2024/../top.txt", "./top.txt", "/top.txt", "2024//summer/",
        "2024/summer//", "top.txt/", "2024\\summer\\a.jpg", "TOP.TXT", "2024/sum", "..", "."})
    void aPickThatNamesNothingListedSelectsNothing(String f) {
        assertTrue(Selection.select(LISTING, List.of(f)).isEmpty(), f);
        assertTrue(Selection.select(LISTING, List.of("top.txt", f)).isEmpty(), "one bad pick spoils the link: " + f);
    }

    @Test
    void aRepeatedPickSelectsNothing() {
        assertTrue(Selection.select(LISTING, List.of("top.txt", "top.txt")).isEmpty());
    }
}
