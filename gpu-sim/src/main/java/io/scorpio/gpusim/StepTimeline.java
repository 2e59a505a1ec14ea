package io.scorpio.gpusim;

/**
 * A simulated GPU's own timeline when its steps run in real time: a step planned right after the previous one ended
 * starts when that one ended, not when the plan arrived. The calibrated step times already include a real engine's
 * time between steps, so the CPU time of whoever plans the steps and relays their tokens, and the lateness of timers,
 * are absorbed instead of added to every step (a GPU does not wait for the process that relays its tokens). Time is
 * passed in; not thread-safe (one engine loop owns it).
 */
public final class StepTimeline {

    /** A step planned later than this after the last one's end follows an idle GPU: it starts when planned. */
    public static final long IDLE_AFTER_NANOS = 5_000_000;

    private long stepEndNanos = Long.MIN_VALUE;

    /**
     * Starts a step of {@code durationNanos} planned at {@code nowNanos} (System.nanoTime) and returns how long from
     * now it ends: at most its duration, less (even negative) when the previous step's end is already past.
     */
    public long start(long nowNanos, long durationNanos) {
        boolean busy = stepEndNanos != Long.MIN_VALUE && nowNanos - stepEndNanos <= IDLE_AFTER_NANOS;
        stepEndNanos = (busy ? stepEndNanos : nowNanos) + durationNanos;
        return stepEndNanos - nowNanos;
    }
}
