package io.scorpio.core.model;

/**
 * One profiled prefill step over {@code tokens} prompt tokens in all.
 */
public record PrefillSample(int tokens, double stepMs) {
    public PrefillSample {
        if (tokens <= 0 || !(stepMs > 0)) {
            throw new IllegalArgumentException("bad prefill sample: tokens=" + tokens + " ms=" + stepMs);
        }
    }
}
