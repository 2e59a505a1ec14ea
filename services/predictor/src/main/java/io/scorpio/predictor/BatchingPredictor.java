package io.scorpio.predictor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An asynchronous front for a {@link LengthPredictor} that batches concurrent requests: one worker thread takes the
 * first waiting request, waits at most {@code maxWait} for more (up to {@code maxBatch}), runs them as one batch and
 * completes their futures. The queue is bounded: when {@code queueCapacity} requests wait, {@link #submit} fails fast
 * with a {@link RejectedExecutionException}. A caller that gives up completes (or cancels) its future: the request
 * leaves the queue then and is never run, so abandoned work cannot pile up behind later requests. Closing fails the
 * requests still waiting; it does not close the predictor.
 */
public final class BatchingPredictor implements AutoCloseable {

    public static final int DEFAULT_MAX_BATCH = 32;
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(2);
    public static final int DEFAULT_QUEUE_CAPACITY = 4096;

    private record Pending(String text, CompletableFuture<Prediction> future) {
    }

    /** Told of every batch run, on the batching thread: its size and how long it took. */
    public interface BatchObserver {
        void batch(int size, long nanos);
    }

    private final LengthPredictor predictor;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final BlockingQueue<Pending> queue;
    private final Thread worker;
    private volatile boolean closed;
    private volatile BatchObserver observer = (size, nanos) -> { };
    /** Requests whose caller gave up before they ran: taken out of the queue, never run. */
    private final java.util.concurrent.atomic.AtomicLong abandoned = new java.util.concurrent.atomic.AtomicLong();

    public BatchingPredictor(LengthPredictor predictor) {
        this(predictor, DEFAULT_MAX_BATCH, DEFAULT_MAX_WAIT, DEFAULT_QUEUE_CAPACITY);
    }

    public BatchingPredictor(LengthPredictor predictor, int maxBatch, Duration maxWait, int queueCapacity) {
        if (maxBatch < 1 || queueCapacity < 1 || maxWait.isNegative()) {
            throw new IllegalArgumentException("need maxBatch >= 1, queueCapacity >= 1 and maxWait >= 0");
        }
        this.predictor = predictor;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.worker = new Thread(this::run, "length-predictor-batcher");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Queues a text for prediction; the future completes when its batch has run. Completing or cancelling it first
     * (e.g. {@code orTimeout}) takes the request out of the queue.
     */
    public CompletableFuture<Prediction> submit(String text) {
        CompletableFuture<Prediction> future = new CompletableFuture<>();
        Pending pending = new Pending(text, future);
        if (closed) {
            future.completeExceptionally(new IllegalStateException("batching predictor is closed"));
        } else if (!queue.offer(pending)) {
            future.completeExceptionally(new RejectedExecutionException(
                    "length predictor queue is full (" + queue.size() + " waiting)"));
        } else if (closed) {
            failWaiting();
        } else {
            future.whenComplete((p, err) -> {
                if (err != null && queue.remove(pending)) {
                    abandoned.incrementAndGet();
                }
            });
        }
        return future;
    }

    /** Requests waiting to run now. */
    public int queued() {
        return queue.size();
    }

    /** Requests taken out of the queue because their caller gave up first. */
    public long abandoned() {
        return abandoned.get();
    }

    public void observe(BatchObserver observer) {
        this.observer = observer;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null || first.future().isDone()) {
                    continue; // a caller that gave up between its removal and our poll
                }
                batch.add(first);
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    long left = deadline - System.nanoTime();
                    Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    if (!next.future().isDone()) {
                        batch.add(next);
                    }
                }
                runBatch(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                for (Pending p : batch) {
                    p.future().completeExceptionally(new IllegalStateException("batching predictor is closed"));
                }
                batch.clear();
            }
        }
        failWaiting();
    }

    private void runBatch(List<Pending> batch) {
        long t0 = System.nanoTime();
        try {
            List<Prediction> predictions = predictor.predictBatch(batch.stream().map(Pending::text).toList());
            observer.batch(batch.size(), System.nanoTime() - t0);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).future().complete(predictions.get(i));
            }
        } catch (RuntimeException e) {
            for (Pending p : batch) {
                p.future().completeExceptionally(e);
            }
        }
    }

    private void failWaiting() {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.future().completeExceptionally(new IllegalStateException("batching predictor is closed"));
        }
    }

    /** Stops the worker and fails requests that have not run. The predictor stays open. */
    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failWaiting();
    }
}
