package dev.zipstream.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ReadinessTest {

    private final AtomicLong clock = new AtomicLong(1_000);
    private final AtomicReference<String> reason = new AtomicReference<>();
    private final AtomicInteger looks = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    private final Readiness readiness = new Readiness(() -> {
        looks.incrementAndGet();
        return reason.get();
    }, stopping::get, clock::get);

    @Test
    void looksAtMostOnceASecondHoweverOftenAsked() {
        for (int i = 0; i < 100; i++) {
            assertNull(readiness.notReadyBecause());
        }
        assertEquals(1, looks.get());
        clock.addAndGet(Readiness.MAX_AGE_NANOS - 1);
        readiness.notReadyBecause();
        assertEquals(1, looks.get(), "still within the second");
        clock.addAndGet(1);
        readiness.notReadyBecause();
        assertEquals(2, looks.get());
    }

    @Test
    void aChangeShowsWithinASecond() {
        assertNull(readiness.notReadyBecause());
        reason.set("the storage folder is missing");
        clock.addAndGet(Readiness.MAX_AGE_NANOS);
        assertEquals("the storage folder is missing", readiness.notReadyBecause());
        reason.set(null);
        clock.addAndGet(Readiness.MAX_AGE_NANOS);
        assertNull(readiness.notReadyBecause());
    }

    @Test
    void stoppingShowsAtOnceWithoutWaitingForTheCache() {
        assertNull(readiness.notReadyBecause());
        stopping.set(true);
        assertEquals("shutting down", readiness.notReadyBecause());
    }
}
