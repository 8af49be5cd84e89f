package dev.zipstream.storage.s3;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether the object store answers, known without waiting on it per request: the last probe's answer is reused
 * for a while (longer when it was good), one caller at a time refreshes it, and a request that fails to reach the
 * store marks it unreachable at once. So a store that goes down turns requests into quick 503s, not hangs.
 */
final class Reachability {

    private record State(String reason, long checkedAt) {
    }

    private final Supplier<String> probe;
    private final LongSupplier clock;
    private final long reuseGoodNanos;
    private final long reuseBadNanos;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile State state;

    /**
     * @param probe asks the store; null when it answered, else a one-line reason without secrets
     * @param clock nanoseconds, for {@link System#nanoTime()}
     */
    Reachability(Supplier<String> probe, LongSupplier clock, long reuseGoodNanos, long reuseBadNanos) {
        this.probe = probe;
        this.clock = clock;
        this.reuseGoodNanos = reuseGoodNanos;
        this.reuseBadNanos = reuseBadNanos;
    }

    /** Null when the store is believed reachable; probes first when the last answer is too old. */
    String reason() {
        State s = state;
        long now = clock.getAsLong();
        boolean stale = s == null || now - s.checkedAt() > (s.reason() == null ? reuseGoodNanos : reuseBadNanos);
        // Only one caller probes; the others go on with the last answer instead of queueing behind it.
        if (stale && probing.compareAndSet(false, true)) {
            try {
                state = new State(probe.get(), clock.getAsLong());
            } finally {
                probing.set(false);
            }
        }
        s = state;
        return s == null ? null : s.reason();
    }

    /** A request could not reach the store: the next callers learn it without another wait. */
    void failed(String reason) {
        state = new State(reason, clock.getAsLong());
    }
}
