package dev.zipstream.ops;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether the instance can take traffic, looked at no more than once a second however often it is asked, so
 * that probes from every balancer cost one file-system check a second at most.
 */
public final class Readiness {

    static final long MAX_AGE_NANOS = 1_000_000_000L;

    private final Supplier<String> reason;
    private final LongSupplier nanoTime;
    private volatile Checked last;

    private record Checked(long at, String reason) {
    }

    /** @param reason null when ready, otherwise a one-line reason without secrets */
    public Readiness(Supplier<String> reason) {
        this(reason, System::nanoTime);
    }

    Readiness(Supplier<String> reason, LongSupplier nanoTime) {
        this.reason = reason;
        this.nanoTime = nanoTime;
    }

    /** null when ready, otherwise why not; at most a second old. */
    public String notReadyBecause() {
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
