package io.scorpio.server;

/**
 * The node's scheduling clock: monotonic milliseconds since the node started. Arrival times, deadlines and
 * step completions are all on this clock, so wall-clock jumps cannot reorder deadlines.
 */
public final class NodeClock {

    private final long originNanos = System.nanoTime();

    public double nowMs() {
        return (System.nanoTime() - originNanos) / 1e6;
    }
}
