package dev.zipstream;

import dev.zipstream.http.Service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a download holds, in Jetty and Tomcat: between two throttled chunks nothing (no chunk buffer, no file, no
 * thread of its own), and after any end, nothing at all.
 */
@ParameterizedClass
@EnumSource(Server.Kind.class)
class MemoryBoundIT {

    static final int CHUNK = 16 * 1024;
    static final int IDLE_DOWNLOADS = 40;

    @Parameter
    Server.Kind kind;

    static Path tmp;
    static Path storage;
    static Server throttled;
    static Server unthrottled;
    static Http http;

    @BeforeParameterizedClassInvocation
    static void start(Server.Kind kind) throws Exception {
        tmp = Files.createTempDirectory("zipstream-memory");
        storage = Files.createDirectories(tmp.resolve("storage"));
        var rnd = new Random(13);
        Trees.file(storage.resolve("big"), "a.bin", Trees.bytes(rnd, 1_000_000));
        Trees.file(storage.resolve("big"), "b.bin", Trees.bytes(rnd, 24_000_000));
        // A pause long enough to look at many downloads sitting in it, short of the 30 s idle timeout.
        // MAX_DOWNLOADS at its maximum leaves no descriptors for files kept open between chunks: each resting
        // download must close its file (StoredZipRestTest covers the permits).
        throttled = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "8",
                "CHUNK_SIZE", String.valueOf(CHUNK / 1024), "MAX_DOWNLOADS", "1000000"));
        unthrottled = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0",
                "CHUNK_SIZE", String.valueOf(CHUNK / 1024)));
        http = new Http();
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        http.close();
        throttled.close();
        unthrottled.close();
    }

    /** Sends a GET and reads the head and the first {@code bytes} of the body. */
    static Socket startDownload(Server server, int bytes) throws IOException {
        var socket = new Socket();
        // A small receive window (set before connecting, so the kernel does not grow it), and an archive far
        // larger than what loopback's socket buffers can hold: a client that stops reading must fill them.
        socket.setReceiveBufferSize(64 * 1024);
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(("GET /archive/big/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        int matched = 0;
        while (matched < 4) { // the head ends with CRLF CRLF
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the head");
            }
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        assertEquals(bytes, in.readNBytes(bytes).length);
        return socket;
    }

    @Test
    void manyThrottledDownloadsBetweenChunksHoldNoBufferNoFileAndNoThread() throws Exception {
        var sockets = new ArrayList<Socket>();
        try {
            for (int i = 0; i < IDLE_DOWNLOADS; i++) {
                sockets.add(startDownload(throttled, CHUNK)); // the first chunk: the next one is 8 s away
            }
            assertEquals((long) IDLE_DOWNLOADS, throttled.stats().get("downloads"));
            // Each download in its pause: its chunk written (the container said so), nothing produced ahead.
            Eventually.within(Eventually.seconds(3), throttled::stats,
                    s -> s.get("outstandingBuffers") == 0 && s.get("buffers") == 0,
                    "no chunk buffer held by " + IDLE_DOWNLOADS + " downloads in their pause");
            Eventually.within(Eventually.seconds(3), () -> Eventually.openFilesUnder(storage), n -> n == 0,
                    "no file open between chunks");
            var threads = Eventually.serviceThreads();
            assertTrue(threads.stream().noneMatch(t -> t.startsWith("zipstream-producer")),
                    "no producer thread per download: " + threads);
            int cores = Runtime.getRuntime().availableProcessors();
            // pumps, write timers (one per core), and the CRC readers (a fixed few, however many downloads)
            int perService = Math.max(4, 2 * cores) + Math.max(1, cores) + Service.CRC_THREADS;
            assertTrue(threads.size() <= 2 * perService, "two services, a small pool each, serve them all: " + threads);
        } finally {
            for (var s : sockets) {
                s.close();
            }
        }
        // Tomcat notices a client gone only when it writes to it: at the next slot, up to DELAY later.
        Eventually.within(Eventually.seconds(25), throttled::stats,
                s -> s.get("downloads") == 0 && s.get("producers") == 0 && s.get("outstandingBuffers") == 0,
                "every download ended and released");
    }

    @Test
    void buffersComeBackAfterCompletionRangesAndClientsLeavingMidWrite() throws Exception {
        long length = 0;
        for (int i = 0; i < 3; i++) {
            var answer = http.get(unthrottled.uri("/archive/big/"));
            assertEquals(200, answer.status());
            length = answer.body().length;
        }
        assertEquals(206, http.get(unthrottled.uri("/archive/big/"), "Range", "bytes=1000-2000000").status());
        assertEquals(206, http.get(unthrottled.uri("/archive/big/"), "Range", "bytes=-100").status());
        // Clients that stop reading: the server fills the socket, and isReady() says false with a chunk in flight.
        var sockets = new ArrayList<Socket>();
        for (int i = 0; i < 5; i++) {
            sockets.add(startDownload(unthrottled, CHUNK));
        }
        Eventually.within(Eventually.seconds(5), unthrottled::stats, s -> s.get("downloads") == 5,
                "five downloads blocked on full sockets");
        for (var s : sockets) {
            s.setSoLinger(true, 0); // a reset: the write in flight fails
            s.close();
        }
        Eventually.within(Eventually.seconds(5), unthrottled::stats,
                s -> s.get("downloads") == 0 && s.get("producers") == 0 && s.get("outstandingBuffers") == 0
                        && s.get("buffers") == 0,
                "every buffer back (or, mid-write, left to the collector) after " + length + "-byte downloads");
        Eventually.within(Eventually.seconds(2), () -> Eventually.openFilesUnder(storage), n -> n == 0,
                "every file closed");
    }
}
