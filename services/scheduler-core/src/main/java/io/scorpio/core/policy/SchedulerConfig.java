package io.scorpio.core.policy;

/**
 * The scheduler's parameters, with the paper's values as defaults (spec 4 and 5).
 *
 * @param gamma the inefficiency coefficient of VBS admission (1.3 in the paper's runs)
 * @param admissionHeadroom admit while {@code step * gamma < headroom * T_min} (0.99)
 * @param rejectionMarginMs reject when slack is below minimal TTFT plus this margin (50 ms)
 * @param maxNumBatchedTokens prompt tokens one prefill step may hold (1,024; no chunked prefill)
 * @param maxNumSeqs requests running at once (256)
 * @param kvBlocks KV-cache blocks of the worker (20,000)
 * @param blockSize tokens per KV block (16)
 * @param watermark fraction of KV blocks a prefill must leave free, as vLLM V0 does (0.01)
 * @param starvationLimitMs a request that has waited this long goes to the head of the queue, whatever the
 *     policy's order, so that no policy can leave a request waiting for ever (60 s; must be finite)
 */
public record SchedulerConfig(double gamma, double admissionHeadroom, double rejectionMarginMs,
                              int maxNumBatchedTokens, int maxNumSeqs, int kvBlocks, int blockSize,
                              double watermark, double starvationLimitMs) {

    public static final SchedulerConfig PAPER = new SchedulerConfig(1.3, 0.99, 50, 1024, 256, 20_000, 16, 0.01, 60_000);

    public SchedulerConfig {
        positive("gamma", gamma);
        positive("admissionHeadroom", admissionHeadroom);
        if (!(rejectionMarginMs >= 0) || !Double.isFinite(rejectionMarginMs)) {
            throw new IllegalArgumentException("rejectionMarginMs must be a finite number >= 0, got " + rejectionMarginMs);
        }
        positive("maxNumBatchedTokens", maxNumBatchedTokens);
        positive("maxNumSeqs", maxNumSeqs);
        positive("kvBlocks", kvBlocks);
        positive("blockSize", blockSize);
        if (!(watermark >= 0 && watermark < 1)) {
            throw new IllegalArgumentException("watermark must be in [0, 1), got " + watermark);
        }
        positive("starvationLimitMs", starvationLimitMs);
    }

    private static void positive(String name, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number > 0, got " + value);
        }
    }

    /** KV blocks a prefill must leave free. */
    public int watermarkBlocks() {
        return (int) (watermark * kvBlocks);
    }

    public SchedulerConfig withGamma(double value) {
        return new SchedulerConfig(value, admissionHeadroom, rejectionMarginMs, maxNumBatchedTokens, maxNumSeqs,
                kvBlocks, blockSize, watermark, starvationLimitMs);
    }

    public SchedulerConfig withKvBlocks(int value) {
        return new SchedulerConfig(gamma, admissionHeadroom, rejectionMarginMs, maxNumBatchedTokens, maxNumSeqs,
                value, blockSize, watermark, starvationLimitMs);
    }

    public SchedulerConfig withBudgets(int batchedTokens, int seqs) {
        return new SchedulerConfig(gamma, admissionHeadroom, rejectionMarginMs, batchedTokens, seqs,
                kvBlocks, blockSize, watermark, starvationLimitMs);
    }

    public SchedulerConfig withWatermark(double value) {
        return new SchedulerConfig(gamma, admissionHeadroom, rejectionMarginMs, maxNumBatchedTokens, maxNumSeqs,
                kvBlocks, blockSize, value, starvationLimitMs);
    }

    public SchedulerConfig withStarvationLimitMs(double value) {
        return new SchedulerConfig(gamma, admissionHeadroom, rejectionMarginMs, maxNumBatchedTokens, maxNumSeqs,
                kvBlocks, blockSize, watermark, value);
    }

    public SchedulerConfig withRejectionMarginMs(double value) {
        return new SchedulerConfig(gamma, admissionHeadroom, value, maxNumBatchedTokens, maxNumSeqs,
                kvBlocks, blockSize, watermark, starvationLimitMs);
    }
}
