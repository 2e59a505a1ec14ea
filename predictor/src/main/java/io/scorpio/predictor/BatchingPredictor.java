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
 * An asynchronous front for a {@link LengthPredictor} that batches concurrent requests: each worker thread takes the
 * first waiting request, adds those already waiting (up to {@code maxBatch}), optionally waits up to {@code maxWait}
 * for more, runs them as one batch and completes their futures. The queue is bounded: when {@code queueCapacity}
 * requests wait, {@link #submit} fails fast with a {@link RejectedExecutionException}. A caller that gives up completes
 * (or cancels) its future: the request leaves the queue then and is never run, so abandoned work cannot pile up
 * behind later requests. Closing fails the requests still waiting; it does not close the predictor.
 *
 * <p>The default waits for nothing: at low load a fixed wait only adds latency, and at high load requests pile up
 * while a batch runs, so batches form by themselves. For a model that runs prompts one at a time (card
 * {@code batchPrompts: false}) the default is batches of 1 on one worker per core, so that prompts run in parallel.
 */
public final class BatchingPredictor implements AutoCloseable {

    public static final int DEFAULT_MAX_BATCH = 32;
    public static final Duration DEFAULT_MAX_WAIT = Duration.ZERO;
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
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong batchesRun = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong requestsRun = new java.util.concurrent.atomic.AtomicLong();
    private volatile BatchObserver observer = (size, nanos) -> { };
    /** Requests whose caller gave up before they ran: taken out of the queue, never run. */
    private final java.util.concurrent.atomic.AtomicLong abandoned = new java.util.concurrent.atomic.AtomicLong();

    /** The defaults for this predictor: see the class comment. */
    public BatchingPredictor(LengthPredictor predictor) {
        this(predictor, predictor.card().mayBatchPrompts() ? DEFAULT_MAX_BATCH : 1, DEFAULT_MAX_WAIT,
                DEFAULT_QUEUE_CAPACITY, predictor.usefulParallelRuns());
    }

    public BatchingPredictor(LengthPredictor predictor, int maxBatch, Duration maxWait, int queueCapacity) {
        this(predictor, maxBatch, maxWait, queueCapacity, 1);
    }

    public BatchingPredictor(LengthPredictor predictor, int maxBatch, Duration maxWait, int queueCapacity, int workerCount) {
        if (maxBatch < 1 || queueCapacity < 1 || maxWait.isNegative() || workerCount < 1) {
            throw new IllegalArgumentException("need maxBatch >= 1, queueCapacity >= 1, maxWait >= 0 and workers >= 1");
        }
        this.predictor = predictor;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        for (int i = 0; i < workerCount; i++) {
            Thread worker = new Thread(this::run, "length-predictor-batcher-" + i);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
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
                queue.drainTo(batch, maxBatch - batch.size());
                batch.removeIf(p -> p.future().isDone()); // callers that gave up: never run
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch && maxWaitNanos > 0) {
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
        batchesRun.incrementAndGet();
        requestsRun.addAndGet(batch.size());
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

    /** How many batches the worker has run (for measuring the mean batch size). */
    public long batchesRun() {
        return batchesRun.get();
    }

    /** How many requests those batches held. */
    public long requestsRun() {
        return requestsRun.get();
    }

    private void failWaiting() {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.future().completeExceptionally(new IllegalStateException("batching predictor is closed"));
        }
    }

    /** Stops the workers and fails requests that have not run. The predictor stays open. */
    @Override
    public void close() {
        closed = true;
        workers.forEach(Thread::interrupt);
        try {
            for (Thread worker : workers) {
                worker.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failWaiting();
    }
}
