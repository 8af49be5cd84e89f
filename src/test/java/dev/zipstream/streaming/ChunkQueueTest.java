package dev.zipstream.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ChunkQueueTest {

    private final BufferPool pool = new BufferPool(16, 4);
    private final AtomicInteger wakeUps = new AtomicInteger();
    private final ChunkQueue queue = new ChunkQueue(pool, 1, wakeUps::incrementAndGet);

    /** Waits until {@code thread} blocks (parks), which the producer does only when the queue is full. */
    private static void awaitBlocked(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (thread.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() < deadline, "producer never blocked: " + thread.getState());
            Thread.onSpinWait();
        }
    }

    @Test
    void producerBlocksWhileCapacityChunksWaitAndResumesWhenOneIsTaken() throws Exception {
        queue.put(queue.takeBuffer().position(16).flip());
        var taken = new CompletableFuture<ByteBuffer>();
        var producer = new Thread(() -> {
            try {
                taken.complete(queue.takeBuffer());
            } catch (Exception e) {
                taken.completeExceptionally(e);
            }
        });
        producer.start();
        awaitBlocked(producer);
        assertTrue(!taken.isDone(), "a full queue holds the producer back");
        assertNotNull(queue.poll());
        assertNotNull(taken.get(5, TimeUnit.SECONDS), "room made, producer goes on");
        assertEquals(2, queue.held(), "the polled chunk (being written) and the new one");
    }

    @Test
    void closingWakesABlockedProducerWithClosed() throws Exception {
        queue.put(queue.takeBuffer().position(16).flip());
        var outcome = new CompletableFuture<Throwable>();
        var producer = new Thread(() -> {
            try {
                queue.takeBuffer();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        producer.start();
        awaitBlocked(producer);
        queue.close();
        assertInstanceOf(ChunkQueue.Closed.class, outcome.get(5, TimeUnit.SECONDS));
        assertEquals(0, queue.held());
        assertThrows(ChunkQueue.Closed.class, () -> queue.put(ByteBuffer.allocate(16)));
    }

    @Test
    void releasedBufferServesTheNextChunkThroughThePool() throws Exception {
        ByteBuffer first = queue.takeBuffer();
        queue.put(first.position(16).flip());
        var chunk = queue.poll();
        queue.release(chunk);
        assertEquals(1, pool.idle());
        assertSame(first, queue.takeBuffer(), "the same buffer, not a new allocation");
        assertEquals(0, pool.idle());
    }

    @Test
    void writerIsWokenForEveryChunkAndForTheEnd() throws Exception {
        queue.put(queue.takeBuffer().position(3).flip());
        assertEquals(1, wakeUps.get());
        assertTrue(queue.hasNews());
        queue.poll();
        assertTrue(!queue.hasNews() && !queue.isDrained());
        queue.finish();
        assertEquals(2, wakeUps.get());
        assertTrue(queue.isDrained());
        assertNull(queue.poll());
    }

    @Test
    void poolKeepsNoMoreThanItsIdleLimit() {
        for (int i = 0; i < 10; i++) {
            pool.give(ByteBuffer.allocateDirect(16));
        }
        assertEquals(4, pool.idle());
    }

    /**
     * The writer woken by the last chunk may take and write it before the producer does anything else: it must see
     * the end then, or it waits a whole DELAY for a chunk that never comes before completing the response.
     */
    @Test
    void theWriterWokenByTheLastChunkSeesTheEnd() throws Exception {
        var seenByWriter = new AtomicInteger(-1);
        var box = new ChunkQueue[1];
        box[0] = new ChunkQueue(pool, 1, () -> {
            var chunk = box[0].poll();
            if (chunk != null) {
                seenByWriter.set(box[0].isDrained() ? 1 : 0);
                box[0].release(chunk);
            }
        });
        box[0].put(box[0].takeBuffer().position(16).flip(), true);
        assertEquals(1, seenByWriter.get(), "drained as soon as the last chunk is taken");
    }
}
