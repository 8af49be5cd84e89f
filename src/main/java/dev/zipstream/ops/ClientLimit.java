package dev.zipstream.ops;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code MAX_DOWNLOADS_PER_CLIENT}: concurrent downloads per client address, on this instance. The address is the
 * container's ({@code getRemoteAddr()}); behind a proxy that is the proxy's, unless the container is told to trust
 * it, and then the whole site shares one count: that is worth a warning.
 */
public final class ClientLimit {

    /** After this many downloads from one address and no other, the warning goes out (once). */
    static final int ONE_ADDRESS_WARNING_AFTER = 20;

    private final int max;
    private final Consumer<String> warn;
    private final ConcurrentHashMap<String, Integer> running = new ConcurrentHashMap<>();
    private final AtomicLong admitted = new AtomicLong();
    private volatile String firstAddress;
    private volatile boolean severalAddresses;
    private final AtomicBoolean warned = new AtomicBoolean();

    /** @param max 0 for no limit */
    public ClientLimit(int max, Consumer<String> warn) {
        this.max = max;
        this.warn = warn;
    }

    public boolean enabled() {
        return max > 0;
    }

    /** Takes a slot for this address, or returns false when it holds {@code max} already. Always true when off. */
    public boolean tryAcquire(String address) {
        if (max <= 0) {
            return true;
        }
        boolean[] taken = {false};
        running.compute(address, (a, n) -> {
            int now = n == null ? 0 : n;
            if (now >= max) {
                return n;
            }
            taken[0] = true;
            return now + 1;
        });
        if (taken[0]) {
            watchForOneAddress(address);
        }
        return taken[0];
    }

    public void release(String address) {
        if (max > 0) {
            running.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** Addresses that hold a slot now (a test sees every slot return). */
    public int addressesHeld() {
        return running.size();
    }

    private void watchForOneAddress(String address) {
        if (severalAddresses || warned.get()) {
            return;
        }
        if (firstAddress == null) {
            firstAddress = address;
        } else if (!firstAddress.equals(address)) {
            severalAddresses = true;
            return;
        }
        if (admitted.incrementAndGet() >= ONE_ADDRESS_WARNING_AFTER && warned.compareAndSet(false, true)) {
            warn.accept("MAX_DOWNLOADS_PER_CLIENT=" + max + ": the last " + ONE_ADDRESS_WARNING_AFTER
                    + " downloads all came from " + address + ". If that is a proxy, every client shares its limit:"
                    + " tell the container to trust the proxy (Jetty: TRUST_PROXY=true with jetty-base/run.sh;"
                    + " Tomcat: RemoteIpValve), see README \"Operations\".");
        }
    }
}
