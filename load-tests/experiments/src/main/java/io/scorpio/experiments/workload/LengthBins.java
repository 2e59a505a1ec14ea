package io.scorpio.experiments.workload;

/**
 * Equal-width output-length bins over [0, 8192), as the paper's predictor uses (spec 2.1): width
 * {@code ceil(8192 / N)} (82 for N = 100), bin of a length {@code min(8191, len) / width}, predicted length the
 * bin's midpoint {@code bin * width + width / 2}.
 */
public record LengthBins(int count) {

    public static final int RANGE = 8192;
    public static final LengthBins PAPER = new LengthBins(100);

    public LengthBins {
        if (count < 1 || count > RANGE) {
            throw new IllegalArgumentException("bin count must be in [1, " + RANGE + "]: " + count);
        }
    }

    public int width() {
        return (RANGE + count - 1) / count;
    }

    public int bin(int length) {
        return Math.min(RANGE - 1, Math.max(0, length)) / width();
    }

    public int midpoint(int bin) {
        return bin * width() + width() / 2;
    }
}
