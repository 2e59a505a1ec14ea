package io.scorpio.core.model;

/**
 * One profiled step of the chunked-prefill engine: B decodes whose mean current length was L, and prompt chunks of
 * {@code chunkTokens} tokens in all whose attention covered {@code attentionPairs} = sum of {@code c * (2p + c)} over
 * the chunks (c tokens after p already prefilled; a whole prompt of n from scratch gives n^2).
 */
public record MixedSample(int batchSize, double meanLength, int chunkTokens, double attentionPairs, double stepMs) {
    public MixedSample {
        if (batchSize < 0 || meanLength < 0 || chunkTokens < 0 || attentionPairs < 0 || batchSize + chunkTokens == 0
                || !(stepMs > 0)) {
            throw new IllegalArgumentException("bad mixed sample: B=" + batchSize + " L=" + meanLength + " n="
                    + chunkTokens + " A=" + attentionPairs + " ms=" + stepMs);
        }
    }
}
