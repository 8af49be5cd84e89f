package dev.zipstream.links;

import dev.zipstream.log.Log;
import java.time.Clock;

/**
 * One log line per refused link, saying why (unknown kid, bad signature, expired by N s) so a CMS developer can
 * debug a 403 without seeing secrets; at most {@code perMinute} lines a minute, so a flood of bad links cannot
 * flood the log. The lines dropped are counted in the next line that gets through.
 */
public final class RejectionLog {
    private final Log log;
    private final Clock clock;
    private final int perMinute;
    private long minute = -1;
    private int written;
    private long dropped;

    public RejectionLog(Log log, Clock clock, int perMinute) {
        this.log = log;
        this.clock = clock;
        this.perMinute = perMinute;
    }

    /** @param label the short hash (8 characters); {@code why} must hold no secret */
    public void rejected(String label, int status, String why) {
        String line;
        synchronized (this) {
            long now = clock.millis() / 60_000;
            if (now != minute) {
                minute = now;
                written = 0;
            }
            if (written >= perMinute) {
                dropped++;
                return;
            }
            written++;
            line = "link for " + label + " refused (" + status + "): " + why
                    + (dropped > 0 ? " [" + dropped + " earlier lines dropped by the rate limit]" : "");
            dropped = 0;
        }
        log.warning(line);
    }
}
