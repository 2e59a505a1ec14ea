package io.scorpio.server.engine;

/**
 * Exponential back-off for probing a worker that failed: the first wait is {@code initialMs}, each next one
 * doubles, up to {@code maxMs}. Pure and single-threaded (the engine's event loop owns it).
 */
public final class Backoff {

    private final long initialMs;
    private final long maxMs;
    private long nextMs;

    public Backoff(long initialMs, long maxMs) {
        if (initialMs <= 0 || maxMs < initialMs) {
            throw new IllegalArgumentException("need 0 < initial <= max, got " + initialMs + " and " + maxMs);
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.nextMs = initialMs;
    }

    /** The wait before the next try; the one after will be twice as long, up to the cap. */
    public long next() {
        long wait = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        return wait;
    }

    /** Starts over from the initial wait (after the worker came back). */
    public void reset() {
        nextMs = initialMs;
    }

    public long initialMs() {
        return initialMs;
    }

    public long maxMs() {
        return maxMs;
    }
}
