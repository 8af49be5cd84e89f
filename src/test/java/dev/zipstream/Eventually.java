package dev.zipstream;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition that another thread brings about, failing with what was last seen. */
public final class Eventually {
    private Eventually() {
    }

    public static <T> void within(Duration limit, Supplier<T> observe, java.util.function.Predicate<T> done, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        T seen = observe.get();
        while (!done.test(seen)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not reached within " + limit + "; last seen: " + seen);
            }
            Thread.sleep(10); // polling an observable condition, not waiting for a guessed duration
            seen = observe.get();
        }
    }

    /** Open file descriptors of this JVM that point into {@code folder}. */
    public static long openFilesUnder(java.nio.file.Path folder) {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return java.nio.file.Files.readSymbolicLink(fd).startsWith(folder);
                } catch (java.io.IOException e) {
                    return false; // closed while we looked
                }
            }).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Live platform threads whose name the service gave them. */
    public static java.util.List<String> serviceThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("zipstream-") && t.isAlive()).map(Thread::getName).toList();
    }

    public static Duration seconds(double s) {
        return Duration.ofMillis((long) (s * 1000));
    }
}
