package dev.zipstream.links;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.log.Log;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RejectionLogTest {

    @TempDir
    Path tmp;

    /** A clock the test moves. */
    static final class Manual extends Clock {
        final AtomicLong millis = new AtomicLong(1_800_000_000_000L);

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    @Test
    void atMostTheLimitAMinuteAndTheDroppedOnesAreCounted() throws Exception {
        Path file = tmp.resolve("log");
        var log = new Log(file);
        var clock = new Manual();
        var rejections = new RejectionLog(log, clock, 3);
        for (int i = 0; i < 10; i++) {
            rejections.rejected("3bea29cc", 403, "bad signature (kid k1)");
        }
        clock.millis.addAndGet(60_000);
        rejections.rejected("3bea29cc", 410, "expired 5 s ago");
        log.close();
        var lines = Files.readAllLines(file);
        assertEquals(4, lines.size(), lines.toString());
        assertTrue(lines.get(0).endsWith("link for 3bea29cc refused (403): bad signature (kid k1)"), lines.get(0));
        assertTrue(lines.get(3).endsWith("link for 3bea29cc refused (410): expired 5 s ago "
                + "[7 earlier lines dropped by the rate limit]"), lines.get(3));
    }
}
