package dev.zipstream.ops;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether the instance can take traffic, looked at no more than once a second however often it is asked, so
 * that probes from every balancer cost one file-system check a second at most.
 */
public final class Readiness {

    static final long MAX_AGE_NANOS = 1_000_000_000L;

    private final Supplier<String> reason;
    private final BooleanSupplier stopping;
    private final LongSupplier nanoTime;
    private volatile Checked last;

    private record Checked(long at, String reason) {
    }

    /**
     * @param reason   null when ready, otherwise a one-line reason without secrets; looked at once a second at most
     * @param stopping whether the service is stopping: a flag, so it is read every time and shows at once
     */
    public Readiness(Supplier<String> reason, BooleanSupplier stopping) {
        this(reason, stopping, System::nanoTime);
    }

    Readiness(Supplier<String> reason, BooleanSupplier stopping, LongSupplier nanoTime) {
        this.reason = reason;
        this.stopping = stopping;
        this.nanoTime = nanoTime;
    }

    /** null when ready, otherwise why not; the storage's answer at most a second old. */
    public String notReadyBecause() {
        if (stopping.getAsBoolean()) {
            return "shutting down";
        }
        long now = nanoTime.getAsLong();
        Checked seen = last;
        if (seen == null || now - seen.at() >= MAX_AGE_NANOS) {
            // Two probes arriving together may both look: harmless, and cheaper than a lock on every probe.
            seen = new Checked(now, reason.get());
            last = seen;
        }
        return seen.reason();
    }
}
