package dev.zipstream.storage;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads that can be waited for until they have really ended, not just left their executor: an executor
 * counts as terminated a moment before its last thread has ended, and Tomcat reports a thread still alive when it
 * checks after undeploy as a leak. Named {@code prefix} and a number.
 */
public final class JoinableThreads implements ThreadFactory {

    private final String prefix;
    private final AtomicInteger counter = new AtomicInteger();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    public JoinableThreads(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable r) {
        var t = new Thread(r, prefix + counter.incrementAndGet());
        t.setDaemon(true);
        threads.add(t);
        return t;
    }

    /** Waits up to {@code limit} for every thread made so far to end; true when they all did. */
    public boolean join(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                t.join(Math.max(1, left / 1_000_000));
            }
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }
}
