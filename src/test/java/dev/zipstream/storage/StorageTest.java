package dev.zipstream.storage;

import dev.zipstream.http.ArchiveServlet;
import dev.zipstream.config.Settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class StorageTest {

    @TempDir
    Path tmp;

    /** The storage root (a real path, as Settings gives it). */
    private Path root;
    /** A folder beside the root, with a file in it, that no hash may ever reach. */
    private Path outside;
    private LocalStorage storage;

    @BeforeEach
    void layout() throws IOException {
        Path base = tmp.toRealPath();
        root = Files.createDirectory(base.resolve("storage"));
        outside = Files.createDirectory(base.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "not for download");
        // Decoys a naive resolver would reach: "../etc" from the root, and a nested folder for "a/b".
        Files.createDirectory(base.resolve("etc"));
        Files.createDirectories(root.resolve("a").resolve("b"));
        storage = new LocalStorage(root);
    }

    // ---- hash resolution -------------------------------------------------------------------------------------

    private static final String LONG_256 = "x".repeat(256);
    private static final String LONG_255 = "x".repeat(255);
    private static final String LONG_256_BYTES_UTF8 = "\u00e9".repeat(128);

    /** Hashes that are not plain folder names: refused without touching the file system. */
    static Stream<String> notPlainNames() {
        return Stream.of(
                "", ".", "..", "../etc", "..\\etc", "a/b", "a\\b", "/etc", "/", "\\", "C:\\Windows", "C:", "a:b",
                "../", "./a", "a/..", "a/../..", "../../../../../../../etc/passwd", "../outside",
                "..\\..\\outside", "\\\\server\\share", "a/", "/a",
                "\u0000", "a\u0000b", "..\u0000", "\n", "a\nb", "\t", "\r", "\u001b[31m", "\u007f", "a\u007f",
                "\ud800", "x\udc00", "\udc00\ud800", "\ud800\ud800\udc00", "\ufffd", "a\ufffdb",
                LONG_256, LONG_256_BYTES_UTF8);
    }

    /**
     * Legal folder names that look hostile (encoded separators, overlong UTF-8 once decoded, dots). They may
     * resolve, but only ever to a direct child of the root.
     */
    static Stream<String> hostileButPlainNames() {
        return Stream.of(
                "...", "....", ".. ", " ..", "..;", "a;b=c", "%2e%2e", "%2E%2E", "%2F", "%2f", "%5C", "..%2F..%2Fetc",
                "%2e%2e%2fetc", "%252e%252e", "%252F", "%00", "%c0%ae%c0%ae", "\u00c0\u00ae", "\u00c0\u00ae\u00c0\u00ae",
                "\u00c0\u00af", "\u00e0\u0080\u00ae", "\uff0e\uff0e", "\u2215etc", "\u2044etc", "\uff0fetc",
                "\u202e..", "~", "~root", "$HOME", "*", "a?b", "a#b", "etc", "outside", "storage", "a b",
                "\ud83d\ude00", LONG_255);
    }

    private void assertNeverEscapes(String hash) throws IOException {
        Optional<Path> resolved = storage.resolve(hash);
        if (resolved.isPresent()) {
            Path p = resolved.get();
            assertEquals(root, p.getParent(), "parent of " + p);
            assertEquals(root, p.toRealPath().getParent(), "real parent of " + p);
            assertEquals(hash, p.getFileName().toString());
        }
    }

    @ParameterizedTest
    @MethodSource("notPlainNames")
    void hashThatIsNotAPlainNameIsRefused(String hash) throws IOException {
        // Where the file system allows it, make the name exist inside the root, so that only the name check
        // stands between the hash and a folder.
        try {
            if (!hash.isEmpty() && hash.indexOf('/') < 0 && hash.indexOf('\u0000') < 0
                    && hash.getBytes(StandardCharsets.UTF_8).length <= 255 && !hash.equals(".") && !hash.equals("..")
                    && hash.chars().noneMatch(c -> Character.isSurrogate((char) c))) {
                Files.createDirectory(root.resolve(hash));
            }
        } catch (IOException | RuntimeException e) {
            // the name cannot exist here; the refusal is still checked
        }
        assertFalse(Names.isPlainName(hash));
        assertTrue(storage.resolve(hash).isEmpty());
        assertNeverEscapes(hash);
    }

    /** The same, less "a/": a request path may end in one '/' ("/a/" names "a"). */
    static Stream<String> notPlainNamesAsRequestPaths() {
        return notPlainNames().filter(h -> !h.equals("a/"));
    }

    /** The same, less the names of folders that exist beside the root (they must not resolve: tested apart). */
    static Stream<String> hostileButPlainNamesToCreate() {
        return hostileButPlainNames().filter(h -> !List.of("storage", "outside", "etc").contains(h));
    }

    @ParameterizedTest
    @MethodSource("notPlainNamesAsRequestPaths")
    void requestPathWithHashThatIsNotAPlainNameGivesNoHash(String hash) {
        assertNull(ArchiveServlet.hashOf("/" + hash));
    }

    @ParameterizedTest
    @MethodSource("hostileButPlainNames")
    void hostileLookingPlainNameNeverEscapesTheRoot(String hash) throws IOException {
        assertNeverEscapes(hash);
    }

    @ParameterizedTest
    @MethodSource("hostileButPlainNamesToCreate")
    void hostileLookingPlainNameResolvesOnlyToItsOwnFolderInsideTheRoot(String hash) throws IOException {
        assertTrue(storage.resolve(hash).isEmpty(), "nothing of that name exists yet");
        Path folder = Files.createDirectory(root.resolve(hash));
        assertEquals(Optional.of(folder), storage.resolve(hash));
        assertEquals(hash, ArchiveServlet.hashOf("/" + hash));
        assertNeverEscapes(hash);
    }

    @Test
    void namesOfFoldersBesideTheRootDoNotResolve() {
        assertTrue(storage.resolve("outside").isEmpty());
        assertTrue(storage.resolve("etc").isEmpty());
        assertTrue(storage.resolve("storage").isEmpty());
    }

    @Test
    void existingFolderResolvesToDirectChild() {
        assertEquals(Optional.of(root.resolve("a")), storage.resolve("a"));
    }

    @Test
    void regularFileInRootIsNotAnArchive() throws IOException {
        Files.writeString(root.resolve("file.txt"), "x");
        assertTrue(storage.resolve("file.txt").isEmpty());
    }

    @Test
    void symlinkedHashFolderPointingOutsideIsRefused() throws IOException {
        Files.createSymbolicLink(root.resolve("link"), outside);
        assertTrue(Files.isDirectory(root.resolve("link")), "the link works when followed");
        assertTrue(storage.resolve("link").isEmpty());
    }

    @Test
    void symlinkedHashFolderPointingInsideIsRefusedToo() throws IOException {
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("a"));
        assertTrue(storage.resolve("alias").isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a", "/a/"})
    void requestPathGivesTheHash(String pathInfo) {
        assertEquals("a", ArchiveServlet.hashOf(pathInfo));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "//", "/a//", "/a/b/", "/a/."})
    void requestPathThatIsNotOneNameGivesNoHash(String pathInfo) {
        assertNull(ArchiveServlet.hashOf(pathInfo));
    }

    @Test
    void absentRequestPathGivesNoHash() {
        assertNull(ArchiveServlet.hashOf(null));
    }

    @Test
    void twoHundredFiftyFiveBytesIsTheLongestName() {
        assertTrue(Names.isPlainName(LONG_255));
        assertTrue(Names.isPlainName("\u00e9".repeat(127) + "x"));
        assertFalse(Names.isPlainName(LONG_256));
        assertFalse(Names.isPlainName(LONG_256_BYTES_UTF8));
    }

    // ---- listing ---------------------------------------------------------------------------------------------

    private static final long MTIME = 1_700_000_000_000L;

    private static Path file(Path path, String content) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, content);
        Files.setLastModifiedTime(path, FileTime.fromMillis(MTIME));
        return path;
    }

    private static List<String> names(Listing listing) {
        return listing.entries().stream().map(Listing.Entry::name).toList();
    }

    private Listing list(String hash) throws IOException {
        Path folder = storage.resolve(hash).orElseThrow();
        return storage.list(hash, folder);
    }

    @Test
    void listingHoldsRegularFilesRecursivelySortedByUtf8Bytes() throws IOException {
        Path h = Files.createDirectory(root.resolve("h"));
        // Created out of order, so that neither creation nor directory order can pass for sorting.
        for (String name : List.of("\ud83d\ude00.txt", "\u65e5\u672c.txt", "\u00e9.txt", "a.txt", "a b/c.txt",
                "Z.txt", "\uff21.txt", "deep/er/still/f.txt")) {
            file(h.resolve(name), name);
        }
        Listing listing = list("h");
        // UTF-8 byte order: U+FF21 (EF BC A1) sorts before U+1F600 (F0 9F 98 80), unlike UTF-16 order.
        assertEquals(List.of("Z.txt", "a b/c.txt", "a.txt", "deep/er/still/f.txt", "\u00e9.txt",
                "\u65e5\u672c.txt", "\uff21.txt", "\ud83d\ude00.txt"), names(listing));
        for (Listing.Entry e : listing.entries()) {
            assertFalse(e.directory(), e.name());
            assertFalse(e.name().startsWith("/"), e.name());
            assertFalse(e.name().contains("\\"), e.name());
            assertTrue(Arrays.equals(e.name().getBytes(StandardCharsets.UTF_8), e.nameBytes()), e.name());
            assertEquals(h.resolve(e.name()).toString(), e.locator());
            assertEquals(e.name().getBytes(StandardCharsets.UTF_8).length, e.size(), e.name());
            assertEquals(MTIME, e.mtime(), e.name());
        }
        assertEquals("h", listing.hash());
        assertEquals(8, listing.fileCount());
        assertEquals(listing.entries().stream().mapToLong(Listing.Entry::size).sum(), listing.totalSize());
    }

    @Test
    void emptySubFoldersAndOnlyThoseGetADirectoryEntry() throws IOException {
        Path h = Files.createDirectory(root.resolve("h"));
        file(h.resolve("top.txt"), "t");
        file(h.resolve("full/x.txt"), "x");
        Files.createDirectory(h.resolve("empty"));
        Files.createDirectories(h.resolve("nested/inner"));
        Files.createDirectories(h.resolve("mixed/void"));
        file(h.resolve("mixed/y.txt"), "y");
        Listing listing = list("h");
        assertEquals(List.of("empty/", "full/x.txt", "mixed/void/", "mixed/y.txt", "nested/inner/", "top.txt"),
                names(listing));
        for (Listing.Entry e : listing.entries()) {
            assertEquals(e.name().endsWith("/"), e.directory(), e.name());
            if (e.directory()) {
                assertEquals(0, e.size(), e.name());
                assertTrue(Files.isDirectory(Path.of(e.locator())), e.name());
            }
        }
        assertEquals(3, listing.fileCount());
    }

    @Test
    void emptyArchiveFolderListsNothing() throws IOException {
        Files.createDirectory(root.resolve("h"));
        Listing listing = list("h");
        assertEquals(List.of(), listing.entries());
        assertEquals(0, listing.newestTime());
        assertEquals(0, listing.totalSize());
    }

    @Test
    void symbolicLinksAreNeverFollowedOrListed() throws IOException {
        Path h = Files.createDirectory(root.resolve("h"));
        Path other = Files.createDirectory(root.resolve("other"));
        file(other.resolve("theirs.txt"), "other archive");
        file(h.resolve("mine.txt"), "mine");
        Files.createSymbolicLink(h.resolve("to-outside-file.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(h.resolve("to-outside-folder"), outside);
        Files.createSymbolicLink(h.resolve("to-other-hash"), other);
        Files.createSymbolicLink(h.resolve("to-sibling.txt"), h.resolve("mine.txt"));
        Files.createSymbolicLink(h.resolve("relative-escape"), Path.of("../../outside"));
        Files.createSymbolicLink(h.resolve("dangling"), h.resolve("does-not-exist"));
        Files.createSymbolicLink(h.resolve("to-itself"), h);
        // every link works when followed, so a resolver that followed them would list something
        assertTrue(Files.isRegularFile(h.resolve("to-outside-file.txt")));
        assertTrue(Files.isDirectory(h.resolve("relative-escape")));

        assertEquals(List.of("mine.txt"), names(list("h")));
    }

    @Test
    void subFolderHoldingOnlyALinkIsListedAsAnEmptyFolder() throws IOException {
        Path h = Files.createDirectory(root.resolve("h"));
        Files.createDirectory(h.resolve("only-link"));
        Files.createSymbolicLink(h.resolve("only-link/secret.txt"), outside.resolve("secret.txt"));
        assertEquals(List.of("only-link/"), names(list("h")));
    }

    private static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("mkfifo is not available: " + e.getMessage());
            return;
        }
        int rc = p.waitFor();
        Assumptions.assumeTrue(rc == 0, "mkfifo failed with " + rc);
        assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void fifoIsSkippedWithoutBlocking() throws Exception {
        Path h = Files.createDirectory(root.resolve("h"));
        file(h.resolve("a.txt"), "a");
        mkfifo(h.resolve("pipe"));
        Files.createDirectory(h.resolve("sub"));
        mkfifo(h.resolve("sub/pipe"));
        List<String> listed = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> names(list("h")));
        assertEquals(List.of("a.txt", "sub/"), listed);
    }

    @Test
    void newestTimeIsTheLatestModification() throws IOException {
        Path h = Files.createDirectory(root.resolve("h"));
        file(h.resolve("old.txt"), "o");
        Path newer = file(h.resolve("new.txt"), "n");
        Files.setLastModifiedTime(newer, FileTime.fromMillis(MTIME + 5000));
        assertEquals(MTIME + 5000, list("h").newestTime());
    }

    // ---- hashes and availability -----------------------------------------------------------------------------

    @Test
    void hashesListsOnlyRealSubFolders() throws IOException {
        Files.createDirectory(root.resolve("h2"));
        Files.createDirectory(root.resolve("h1"));
        Files.writeString(root.resolve("file.txt"), "x");
        Files.createSymbolicLink(root.resolve("link-out"), outside);
        Files.createSymbolicLink(root.resolve("link-in"), root.resolve("h1"));
        Files.createSymbolicLink(root.resolve("link-file"), root.resolve("file.txt"));
        Files.createDirectory(root.resolve("new\nline"));
        assertEquals(List.of("a", "h1", "h2"), storage.hashes());
    }

    @Test
    void hashesOfEmptyRootIsEmpty() throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty-root"));
        assertEquals(List.of(), new LocalStorage(empty).hashes());
    }

    @Test
    void rootThatIsGoneIsUnavailable() throws IOException {
        Path gone = Files.createDirectory(tmp.resolve("gone"));
        var s = new LocalStorage(gone);
        assertNull(s.unavailableReason());
        Files.delete(gone);
        assertEquals("the storage folder is missing", s.unavailableReason());
        assertTrue(s.resolve("anything").isEmpty());
    }

    @Test
    void everyResolvedHashFromTheDebugIndexResolves() throws IOException {
        Files.createDirectory(root.resolve("h1"));
        var resolved = new ArrayList<Path>();
        for (String hash : storage.hashes()) {
            resolved.add(storage.resolve(hash).orElseThrow());
        }
        assertEquals(List.of(root.resolve("a"), root.resolve("h1")), resolved);
    }
}
