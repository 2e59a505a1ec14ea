package io.scorpio.core.model;

/**
 * One profiled decode-only step: B requests whose mean current length (prompt + generated) was L.
 */
public record DecodeSample(int batchSize, double meanLength, double stepMs) {
    public DecodeSample {
        if (batchSize <= 0 || meanLength < 0 || !(stepMs > 0)) {
            throw new IllegalArgumentException("bad decode sample: B=" + batchSize + " L=" + meanLength + " ms=" + stepMs);
        }
    }
}
