package io.scorpio.live;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Inter-token gaps seen by the client, in 10 microsecond buckets up to 10 s (lock-free: streams on several event
 * loops record at once). The gateway benchmark's "latency per token" is read from here.
 */
public final class GapHistogram {

    private static final double BUCKET_MS = 0.01;
    private static final int BUCKETS = 1_000_000;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS + 1);

    public void record(double gapMs) {
        int b = (int) Math.min(BUCKETS, Math.max(0, Math.round(gapMs / BUCKET_MS)));
        counts.incrementAndGet(b);
    }

    public long count() {
        long n = 0;
        for (int i = 0; i <= BUCKETS; i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** The q-quantile (nearest rank) in ms; NaN when empty. */
    public double quantile(double q) {
        long n = count();
        if (n == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i <= BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return i * BUCKET_MS;
            }
        }
        return BUCKETS * BUCKET_MS;
    }
}
