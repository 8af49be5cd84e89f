package dev.zipstream.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ReachabilityTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final AtomicReference<String> answer = new AtomicReference<>();
    private final AtomicInteger probes = new AtomicInteger();
    private final Reachability reachability = new Reachability(() -> {
        probes.incrementAndGet();
        return answer.get();
    }, now::get, 100, 10);

    @Test
    void goodAnswerIsReusedUntilItIsOld() {
        assertNull(reachability.reason());
        assertNull(reachability.reason());
        assertEquals(1, probes.get());
        answer.set("down");
        now.addAndGet(100);
        assertNull(reachability.reason(), "still within the reuse time");
        now.addAndGet(1);
        assertEquals("down", reachability.reason());
        assertEquals(2, probes.get());
    }

    @Test
    void badAnswerIsRecheckedSooner() {
        answer.set("down");
        assertEquals("down", reachability.reason());
        answer.set(null);
        now.addAndGet(11);
        assertNull(reachability.reason());
        assertEquals(2, probes.get());
    }

    @Test
    void failedRequestMakesTheStoreUnavailableWithoutAProbe() {
        assertNull(reachability.reason());
        reachability.failed("connection refused");
        assertEquals("connection refused", reachability.reason());
        assertEquals(1, probes.get());
    }

    @Test
    void callersDoNotQueueBehindARunningProbe() throws Exception {
        var inside = new java.util.concurrent.CountDownLatch(1);
        var release = new java.util.concurrent.CountDownLatch(1);
        var slow = new Reachability(() -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "slow answer";
        }, now::get, 100, 10);
        var prober = new Thread(slow::reason);
        prober.start();
        inside.await();
        assertNull(slow.reason(), "no answer yet: the second caller goes on at once");
        release.countDown();
        prober.join();
        assertEquals("slow answer", slow.reason());
    }
}
