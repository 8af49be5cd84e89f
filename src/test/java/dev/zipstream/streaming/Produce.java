package dev.zipstream.streaming;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/** Runs a producer on its own thread into a real {@link ChunkQueue} and drains it, as the writer would. */
public final class Produce {

    public interface Work {
        void run(ChunkOutputStream out) throws IOException;
    }

    public record Result(byte[] bytes, List<Integer> chunkLengths, int maxBuffers) {
    }

    private Produce() {
    }

    public static Result run(int chunkSize, Work work) throws Exception {
        var signal = new Semaphore(0);
        var queue = new ChunkQueue(new BufferPool(chunkSize, 8), 2, signal::release);
        var failure = new AtomicReference<Throwable>();
        var producer = new Thread(() -> {
            try {
                work.run(new ChunkOutputStream(queue));
            } catch (Throwable t) {
                failure.set(t);
                signal.release();
            }
        }, "test-producer");
        producer.start();
        var sink = new ByteArrayOutputStream();
        var lengths = new ArrayList<Integer>();
        int maxBuffers = 0;
        try {
            while (true) {
                var chunk = queue.poll();
                if (chunk == null) {
                    if (queue.isDrained()) {
                        break;
                    }
                    if (failure.get() != null) {
                        throw new AssertionError("producer failed", failure.get());
                    }
                    signal.acquire();
                    continue;
                }
                maxBuffers = Math.max(maxBuffers, queue.held());
                byte[] bytes = new byte[chunk.remaining()];
                chunk.get(bytes);
                sink.write(bytes);
                lengths.add(bytes.length);
                queue.release(chunk);
            }
        } finally {
            queue.close();
            producer.join();
        }
        return new Result(sink.toByteArray(), lengths, maxBuffers);
    }
}
