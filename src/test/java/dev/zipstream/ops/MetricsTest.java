package dev.zipstream.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.streaming.Outcome;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {

    private final AtomicLong active = new AtomicLong();
    private final AtomicLong crcBytes = new AtomicLong();
    private final Metrics metrics = new Metrics("1.2.3", "store", List.of("busy", "per_client", "not_found"),
            active::get, new Metrics.CrcCounters(null, null, crcBytes::get));

    private String text() throws IOException {
        var out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private Map<String, Double> samples() throws IOException {
        return Exposition.samples(text());
    }

    @Test
    void everyLabelValueIsExportedAtZeroBeforeTheFirstEvent() throws IOException {
        var s = samples();
        for (Outcome o : Outcome.values()) {
            assertEquals(0.0, Exposition.value(s, "zipstream_downloads_total{result=\"" + o.label() + "\"}"), o.label());
        }
        for (String reason : List.of("busy", "per_client", "not_found")) {
            assertEquals(0.0, Exposition.value(s, "zipstream_requests_rejected_total{reason=\"" + reason + "\"}"));
        }
        assertEquals(0.0, Exposition.value(s, "zipstream_sent_bytes_total{compression=\"store\"}"));
        assertEquals(0.0, Exposition.value(s, "zipstream_range_requests_total"));
        assertEquals(0.0, Exposition.value(s, "zipstream_downloads_active"));
        assertEquals(0.0, Exposition.value(s, "zipstream_download_duration_seconds_count"));
        assertEquals(1.0, Exposition.value(s, "zipstream_info{compression=\"store\",version=\"1.2.3\"}"), text());
    }

    @Test
    void eventsIncrementExactlyTheirSeries() throws IOException {
        metrics.written(1000);
        metrics.written(24);
        metrics.firstByte(TimeUnit.MILLISECONDS.toNanos(20));
        metrics.ended(Outcome.COMPLETE, TimeUnit.SECONDS.toNanos(2));
        metrics.ended(Outcome.STALLED, TimeUnit.SECONDS.toNanos(4000));
        metrics.rejected("busy");
        metrics.rangeRequested();
        active.set(3);
        crcBytes.set(12345);
        var s = samples();
        assertEquals(1024.0, Exposition.value(s, "zipstream_sent_bytes_total{compression=\"store\"}"));
        assertEquals(1.0, Exposition.value(s, "zipstream_downloads_total{result=\"complete\"}"));
        assertEquals(1.0, Exposition.value(s, "zipstream_downloads_total{result=\"stalled\"}"));
        assertEquals(0.0, Exposition.value(s, "zipstream_downloads_total{result=\"failed\"}"));
        assertEquals(1.0, Exposition.value(s, "zipstream_requests_rejected_total{reason=\"busy\"}"));
        assertEquals(0.0, Exposition.value(s, "zipstream_requests_rejected_total{reason=\"per_client\"}"));
        assertEquals(1.0, Exposition.value(s, "zipstream_range_requests_total"));
        assertEquals(3.0, Exposition.value(s, "zipstream_downloads_active"));
        assertEquals(12345.0, Exposition.value(s, "zipstream_crc_bytes_read_total"));
        assertEquals(2.0, Exposition.value(s, "zipstream_download_duration_seconds_count"));
        assertEquals(4002.0, Exposition.value(s, "zipstream_download_duration_seconds_sum"), 1e-6);
        // an hour-long download still falls in a bucket of its own, below the six-hour one
        assertEquals(1.0, Exposition.value(s, "zipstream_download_duration_seconds_bucket{le=\"3600.0\"}"));
        assertEquals(2.0, Exposition.value(s, "zipstream_download_duration_seconds_bucket{le=\"7200.0\"}"));
        assertEquals(1.0, Exposition.value(s, "zipstream_first_byte_seconds_bucket{le=\"0.025\"}"));
    }

    @Test
    void jvmGroupsAreThereButNotTheAllocationListenerThatPinsTheClassLoader() throws IOException {
        String t = text();
        assertTrue(t.contains("jvm_memory_used_bytes"), "memory");
        assertTrue(t.contains("jvm_threads_current"), "threads");
        assertTrue(t.contains("jvm_gc_collection_seconds"), "gc");
        assertFalse(t.contains("jvm_memory_pool_allocated_bytes"), "the GC notification listener group stays out");
    }

    @Test
    void closingUnregistersEveryCollector() {
        assertTrue(metrics.families() > 10);
        metrics.close();
        assertEquals(0, metrics.families());
    }

    @Test
    void promtoolAcceptsTheOutput(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")),
                "promtool absent (Debian package prometheus): .ci/run installs it");
        metrics.written(10);
        metrics.ended(Outcome.CLIENT_GONE, 1_000_000);
        Path file = Files.writeString(tmp.resolve("metrics.txt"), text());
        var p = new ProcessBuilder("promtool", "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }
}
