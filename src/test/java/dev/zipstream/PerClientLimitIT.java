package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.zipstream.ops.Exposition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** MAX_DOWNLOADS_PER_CLIENT, with the client address as the container gives it, behind a trusted proxy or not. */
@ParameterizedClass
@EnumSource(Server.Kind.class)
class PerClientLimitIT {

    @Parameter
    Server.Kind kind;

    @TempDir
    Path tmp;

    private Map<String, String> params(Path log) throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        Trees.file(storage.resolve("a"), "a.bin", Trees.bytes(new Random(7), 200_000));
        // Slow: a download holds its slots for minutes unless the client leaves.
        return Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0.5", "CHUNK_SIZE", "1",
                "MAX_DOWNLOADS_PER_CLIENT", "1", "METRICS_TOKEN", OperationsIT.TOKEN, "LOG_FILE", log.toString());
    }

    @Test
    void behindATrustedProxyEachForwardedAddressHasItsOwnLimitAndTheNextGets429() throws Exception {
        Path log = tmp.resolve("archive.log");
        try (var server = ProxiedServer.start(kind, tmp, params(log)); var http = new Http()) {
            var held = http.stream("GET", server.uri("/archive/a/"), "X-Forwarded-For", "203.0.113.7");
            assertEquals(200, held.status());
            assertEquals(1024, held.body().readNBytes(1024).length);

            var refused = http.get(server.uri("/archive/a/"), "X-Forwarded-For", "203.0.113.7");
            assertEquals(429, refused.status());
            assertNotNull(refused.header("Retry-After"));
            // HEAD takes no slot, so it is never refused for the limit
            assertEquals(200, http.send("HEAD", server.uri("/archive/a/"), "X-Forwarded-For", "203.0.113.7").status());

            var other = http.get(server.uri("/archive/a/"), "X-Forwarded-For", "198.51.100.9", "Range", "bytes=0-99");
            assertEquals(206, other.status(), "another client is not affected");

            held.close();
            // Until the server sees the client gone (its next write fails), the slot is still held: each 429
            // meanwhile is counted too.
            int[] refusals = {1};
            Eventually.within(Duration.ofSeconds(30), () -> {
                int status = status(http, server, "203.0.113.7");
                if (status == 429) {
                    refusals[0]++;
                }
                return status;
            }, s -> s == 206, "the slot comes back when the download ends");
            var text = scrape(http, server);
            assertEquals(refusals[0], Exposition.value(text, "zipstream_requests_rejected_total{reason=\"per_client\"}"),
                    "every 429 counted, and nothing else");
            Eventually.within(Duration.ofSeconds(5), () -> read(log),
                    t -> t.contains("client 198.51.100.9, status 206") && t.contains("client 203.0.113.7, status 200"),
                    "the event lines carry the forwarded addresses");
        }
    }

    /** Not told to trust a proxy, the container ignores X-Forwarded-For: a client cannot pick a fresh address. */
    @Test
    void withoutATrustedProxyAForgedForwardedForDoesNotEscapeTheLimit() throws Exception {
        Path log = tmp.resolve("archive.log");
        try (var server = kind.start(tmp, params(log)); var http = new Http()) {
            var held = http.stream("GET", server.uri("/archive/a/"), "X-Forwarded-For", "203.0.113.7");
            assertEquals(1024, held.body().readNBytes(1024).length);
            var forged = http.get(server.uri("/archive/a/"), "X-Forwarded-For", "198.51.100.9", "Range", "bytes=0-99");
            assertEquals(429, forged.status());
            held.close();
        }
    }

    private static int status(Http http, ProxiedServer server, String client) {
        try {
            return http.get(server.uri("/archive/a/"), "X-Forwarded-For", client, "Range", "bytes=0-99").status();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, Double> scrape(Http http, ProxiedServer server) throws Exception {
        var answer = http.get(server.uri("/metrics"), "Authorization", "Bearer " + OperationsIT.TOKEN);
        assertEquals(200, answer.status());
        return Exposition.samples(new String(answer.body(), StandardCharsets.UTF_8));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
