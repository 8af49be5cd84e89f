package dev.zipstream.ops;

import dev.zipstream.streaming.Outcome;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The service's Prometheus metrics, in a registry of this web application's own (never the JVM-wide default, so
 * two deployments do not collide and an undeploy leaves nothing behind). No label carries a hash or a file name:
 * the hash is a credential, and one series per archive would grow without bound.
 */
public final class Metrics implements AutoCloseable {

    /** Counters the CRC cache keeps; read at scrape time, so the cache knows nothing of metrics. null: not exported. */
    public record CrcCounters(LongSupplier hits, LongSupplier misses, LongSupplier bytesRead) {
    }

    /** Durations of throttled downloads run to hours: buckets from a tenth of a second to six hours. */
    static final double[] DURATION_BUCKETS = {0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600};
    static final double[] FIRST_BYTE_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    // Exemplars stay off: their sampler runs on a static thread of the client library that nothing can stop, which
    // would outlive an undeploy (and we have no traces to link anyway).
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter downloads;
    private final Counter rejected;
    /** The one series this instance's compression writes to: looked up once, not per chunk. */
    private final CounterDataPoint sentBytes;
    private final Counter ranges;
    private final Histogram duration;
    private final Histogram firstByte;

    /**
     * @param rejectionReasons every reason a request can be turned away, exported at 0 from the start
     * @param active           the downloads in flight now
     */
    public Metrics(String version, String compression, List<String> rejectionReasons, LongSupplier active,
            CrcCounters crc) {
        GaugeWithCallback.builder().name("zipstream_downloads_active").help("Downloads in flight")
                .callback(cb -> cb.call(active.getAsLong())).register(registry);
        downloads = Counter.builder().withoutExemplars().name("zipstream_downloads_total")
                .help("Downloads ended, by how they ended").labelNames("result").register(registry);
        for (Outcome o : Outcome.values()) {
            downloads.initLabelValues(o.label());
        }
        rejected = Counter.builder().withoutExemplars().name("zipstream_requests_rejected_total")
                .help("Archive requests turned away before a download started, by reason").labelNames("reason")
                .register(registry);
        for (String reason : rejectionReasons) {
            rejected.initLabelValues(reason);
        }
        sentBytes = Counter.builder().withoutExemplars().name("zipstream_sent_bytes_total").unit(Unit.BYTES)
                .help("Archive body bytes handed to the container").labelNames("compression").register(registry)
                .labelValues(compression);
        ranges = Counter.builder().withoutExemplars().name("zipstream_range_requests_total")
                .help("Downloads of a byte range (206)").register(registry);
        duration = Histogram.builder().withoutExemplars().name("zipstream_download_duration_seconds").unit(Unit.SECONDS)
                .help("Time from the start of a download to its end, whatever the end").classicOnly()
                .classicUpperBounds(DURATION_BUCKETS).register(registry);
        firstByte = Histogram.builder().withoutExemplars().name("zipstream_first_byte_seconds").unit(Unit.SECONDS)
                .help("Time from the start of a download to its first body byte").classicOnly()
                .classicUpperBounds(FIRST_BYTE_BUCKETS).register(registry);
        callbackCounter("zipstream_crc_cache_hits_total", "CRCs found in the cache", crc.hits());
        callbackCounter("zipstream_crc_cache_misses_total", "Files read to compute their CRC (not in the cache)",
                crc.misses());
        callbackCounter("zipstream_crc_bytes_read_total", "Bytes read to compute CRCs", crc.bytesRead());
        Info.builder().name("zipstream_info").help("The running zipstream").labelNames("version", "compression")
                .register(registry).setLabelValues(version, compression);
        JvmGroups.register(registry);
    }

    private void callbackCounter(String name, String help, LongSupplier value) {
        if (value != null) {
            CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong()))
                    .register(registry);
        }
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public void written(int bytes) {
        sentBytes.inc(bytes);
    }

    public void firstByte(long nanos) {
        firstByte.observe(nanos / 1e9);
    }

    public void ended(Outcome outcome, long durationNanos) {
        downloads.labelValues(outcome.label()).inc();
        duration.observe(durationNanos / 1e9);
    }

    public void rejected(String reason) {
        rejected.labelValues(reason).inc();
    }

    public void rangeRequested() {
        ranges.inc();
    }

    /** How many metric families a scrape returns now: 0 once closed. */
    public int families() {
        return registry.scrape().size();
    }

    /** Unregisters everything, so nothing of this web application stays reachable from a collector. */
    @Override
    public void close() {
        registry.clear();
    }
}
