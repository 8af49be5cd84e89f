package dev.zipstream.storage.s3;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/** Daemon threads that can be waited for until they have really ended, not just left their executor. */
final class JoinableThreads implements ThreadFactory {

    private final String name;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    JoinableThreads(String name) {
        this.name = name;
    }

    @Override
    public Thread newThread(Runnable r) {
        var t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        return t;
    }

    /** Waits up to {@code limit} for every thread made so far to end; true when they all did. */
    boolean join(Duration limit) throws InterruptedException {
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
