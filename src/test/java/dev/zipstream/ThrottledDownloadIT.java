package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Throttling and every way a throttled download ends, in Jetty and Tomcat. The server writes one 4 KiB chunk
 * per 0.2 s; the containers' default async timeout is lowered to 2 s for this run (see the failsafe configuration).
 */
@ParameterizedClass
@EnumSource(Server.Kind.class)
class ThrottledDownloadIT {

    static final double DELAY = 0.2;
    static final int CHUNK = 4 * 1024;

    @Parameter
    Server.Kind kind;

    static Path tmp;
    static Path storage;
    static Server server;
    static Server deflating;
    static Http http;

    @BeforeParameterizedClassInvocation
    static void start(Server.Kind kind) throws Exception {
        tmp = Files.createTempDirectory("zipstream-throttle");
        storage = Files.createDirectories(tmp.resolve("storage"));
        var rnd = new Random(5);
        Trees.file(storage.resolve("small"), "a.bin", Trees.bytes(rnd, 60_000)); // 15 chunks: 2.8 s, over the timeout
        Trees.file(storage.resolve("big"), "big.bin", Trees.bytes(rnd, 2_000_000));
        server = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", String.valueOf(DELAY),
                "CHUNK_SIZE", String.valueOf(CHUNK / 1024)));
        deflating = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", String.valueOf(DELAY),
                "CHUNK_SIZE", String.valueOf(CHUNK / 1024), "COMPRESSION", "deflate"));
        http = new Http();
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        http.close();
        server.close();
        deflating.close();
    }

    @Test
    void chunksAreSpacedByAtLeastTheDelay() throws Exception {
        long t0 = System.nanoTime();
        var answer = http.get(server.uri("/archive/small/"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(200, answer.status());
        int chunks = (answer.body().length + CHUNK - 1) / CHUNK;
        assertTrue(chunks >= 10, "chunks: " + chunks);
        assertTrue(seconds >= (chunks - 1) * DELAY, chunks + " chunks in " + seconds + " s");
    }

    @Test
    void downloadLongerThanTheContainersAsyncTimeoutCompletes() throws Exception {
        long timeoutMs = Long.getLong("org.eclipse.jetty.ee10.servlet.ServletChannelState.DEFAULT_TIMEOUT", 30_000);
        long t0 = System.nanoTime();
        var answer = http.get(server.uri("/archive/small/"));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(tookMs > timeoutMs, "the download must outlast the async timeout: " + tookMs + " ms vs " + timeoutMs);
        assertEquals(200, answer.status());
        assertEquals(Long.parseLong(answer.header("Content-Length")), answer.body().length);
        Readers.assertSame(Trees.expected(storage.resolve("small")), Readers.javaZipInputStream(answer.body()), "zip");
    }

    @Test
    void clientThatLeavesAfterTheFirstChunkStopsProducerAndClosesFiles() throws Exception {
        try (var stream = http.stream("GET", server.uri("/archive/big/"))) {
            assertEquals(CHUNK, stream.body().readNBytes(CHUNK).length);
            assertEquals(1L, server.stats().get("downloads"));
            assertTrue(server.stats().get("producers") >= 1);
            stream.abort();
        }
        Eventually.within(Eventually.seconds(2), server::stats,
                s -> s.get("producers") == 0 && s.get("downloads") == 0 && s.get("slots") == 0
                        && s.get("buffers") == 0, "download released");
        Eventually.within(Eventually.seconds(2), () -> Eventually.openFilesUnder(storage), n -> n == 0,
                "files under the storage closed");
    }

    /** What can happen to a file between the listing and the moment the producer reaches it. */
    enum Mutation {
        GROWN, TRUNCATED, DELETED, REPLACED_BY_FOLDER, TOUCHED;

        void apply(Path file) throws IOException {
            switch (this) {
                case GROWN -> Files.write(file, new byte[100], StandardOpenOption.APPEND);
                case TRUNCATED -> {
                    var time = Files.getLastModifiedTime(file);
                    try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
                        channel.truncate(10);
                    }
                    Files.setLastModifiedTime(file, time); // only the size gives it away
                }
                case DELETED -> Files.delete(file);
                case REPLACED_BY_FOLDER -> {
                    Files.delete(file);
                    Files.createDirectory(file);
                }
                case TOUCHED -> Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(0));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mutation.class)
    void fileChangedWhileStreamingCutsTheConnection(Mutation mutation) throws Exception {
        changedFileCutsTheConnection(server, mutation);
    }

    /** Chunked, without a length to fall short of: only cutting the connection tells the client. */
    @ParameterizedTest
    @EnumSource(value = Mutation.class, names = {"GROWN", "DELETED"})
    void fileChangedWhileDeflatingCutsTheConnection(Mutation mutation) throws Exception {
        changedFileCutsTheConnection(deflating, mutation);
    }

    private static void changedFileCutsTheConnection(Server server, Mutation mutation) throws Exception {
        String name = "changing-" + mutation + "-" + System.nanoTime();
        Path folder = storage.resolve(name);
        var rnd = new Random(9);
        Trees.file(folder, "1-first.bin", Trees.bytes(rnd, 30_000));
        Trees.file(folder, "2-second.bin", Trees.bytes(rnd, 1_000));
        try (var stream = http.stream("GET", server.uri("/archive/" + name + "/"))) {
            assertEquals(200, stream.status());
            String promised = stream.headers().get("Content-Length");
            assertEquals(CHUNK, stream.body().readNBytes(CHUNK).length);
            // The producer is at most a few chunks into the first file; the second one changes now.
            mutation.apply(folder.resolve("2-second.bin"));
            IOException e = assertThrows(IOException.class, () -> stream.body().readAllBytes(),
                    "the client sees a broken download, not a clean end (promised " + promised + " bytes)");
            assertTrue(e.getMessage() == null || !e.getMessage().contains("dev.zipstream"));
        }
        Eventually.within(Eventually.seconds(2), server::stats, s -> s.get("producers") == 0 && s.get("slots") == 0,
                "download released");
        assertEquals(200, http.get(server.uri("/archive/small/"), "Range", "bytes=0-9").status() / 100 * 100,
                "the service stays healthy");
    }
}
