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
 * @param chunkedPrefill the engine of vLLM V1 (and SGLang, Sarathi-Serve) instead of V0's: every step runs the
 *     running requests' decodes first and fills the rest of {@code maxNumBatchedTokens} with prompt chunks, so a
 *     long prompt spreads over several steps instead of stalling every stream (off, the paper's engine)
 * @param chunkedGamma the inefficiency coefficient of the TPOT Guard on the chunked engine (1.0): there a step's
 *     prompt chunks are priced in the step itself by the mixed-step model, so gamma is left with the model's error
 *     only, not the prefill stalls between decode steps that the paper's 1.3 covers (docs/scheduler-core.md)
 */
public record SchedulerConfig(double gamma, double admissionHeadroom, double rejectionMarginMs,
                              int maxNumBatchedTokens, int maxNumSeqs, int kvBlocks, int blockSize,
                              double watermark, double starvationLimitMs, boolean chunkedPrefill,
                              double chunkedGamma) {

    public static final SchedulerConfig PAPER = new SchedulerConfig(1.3, 0.99, 50, 1024, 256, 20_000, 16, 0.01, 60_000);

    /** The engine without chunked prefill (vLLM V0's), as every configuration before chunked prefill existed. */
    public SchedulerConfig(double gamma, double admissionHeadroom, double rejectionMarginMs, int maxNumBatchedTokens,
                           int maxNumSeqs, int kvBlocks, int blockSize, double watermark, double starvationLimitMs) {
        this(gamma, admissionHeadroom, rejectionMarginMs, maxNumBatchedTokens, maxNumSeqs, kvBlocks, blockSize,
                watermark, starvationLimitMs, false, DEFAULT_CHUNKED_GAMMA);
    }

    /** The chunked engine's gamma, measured in docs/experiments.md (chunked prefill). */
    public static final double DEFAULT_CHUNKED_GAMMA = 1.1;

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
        positive("chunkedGamma", chunkedGamma);
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
                kvBlocks, blockSize, watermark, starvationLimitMs, chunkedPrefill, chunkedGamma);
    }

    public SchedulerConfig withKvBlocks(int value) {
        return new SchedulerConfig(gamma, admissionHeadroom, rejectionMarginMs, maxNumBatchedTokens, maxNumSeqs,
                value, blockSize, watermark, starvationLimitMs, chunkedPrefill, chunkedGamma);
    }

    public SchedulerConfig withBudgets(int batchedTokens, int seqs) {
        return new SchedulerConfig(gamma, admissionHeadroom, rejectionMarginMs, batchedTokens, seqs,
                kvBlocks, blockSize, watermark, starvationLimitMs, chunkedPrefill, chunkedGamma);
    }

    public SchedulerConfig withWatermark(double value) {
        return new SchedulerConfig(gamma, admissionHeadroom, rejectionMarginMs, maxNumBatchedTokens, maxNumSeqs,
                kvBlocks, blockSize, value, starvationLimitMs, chunkedPrefill, chunkedGamma);
    }

    public SchedulerConfig withStarvationLimitMs(double value) {
        return new SchedulerConfig(gamma, admissionHeadroom, rejectionMarginMs, maxNumBatchedTokens, maxNumSeqs,
                kvBlocks, blockSize, watermark, value, chunkedPrefill, chunkedGamma);
    }

    public SchedulerConfig withRejectionMarginMs(double value) {
        return new SchedulerConfig(gamma, admissionHeadroom, value, maxNumBatchedTokens, maxNumSeqs,
                kvBlocks, blockSize, watermark, starvationLimitMs, chunkedPrefill, chunkedGamma);
    }

    /**
     * Chunked prefill on, with {@code batchedTokens} as the step's token budget (decode tokens and prompt chunks
     * together), as vLLM V1's {@code max_num_batched_tokens}.
     */
    public SchedulerConfig withChunkedPrefill(int batchedTokens) {
        return new SchedulerConfig(gamma, admissionHeadroom, rejectionMarginMs, batchedTokens, maxNumSeqs,
                kvBlocks, blockSize, watermark, starvationLimitMs, true, chunkedGamma);
    }

    public SchedulerConfig withChunkedGamma(double value) {
        return new SchedulerConfig(gamma, admissionHeadroom, rejectionMarginMs, maxNumBatchedTokens, maxNumSeqs,
                kvBlocks, blockSize, watermark, starvationLimitMs, chunkedPrefill, value);
    }
}
