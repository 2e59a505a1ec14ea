package io.scorpio.predictor.binning;

/**
 * N bins of equal width over [0, 8192): {@code w = ceil(8192 / N)}, a length falls in bin
 * {@code min(8191, len) / w}, and a bin predicts {@code bin * w + w / 2}. With N = 100, w = 82.
 */
public record EqualWidthBinning(int bins) implements LengthBinning {

    public static final String KIND = "equal-width";

    public EqualWidthBinning {
        if (bins < 1 || bins > MAX_LENGTH) {
            throw new IllegalArgumentException("equal-width bins must be in [1, " + MAX_LENGTH + "], got " + bins);
        }
    }

    /** The bucket size w = ceil(8192 / N). */
    public int bucketSize() {
        return (MAX_LENGTH + bins - 1) / bins;
    }

    @Override
    public int binOf(int length) {
        return LengthBinning.clamp(length) / bucketSize();
    }

    @Override
    public int predictedLength(int bin) {
        checkBin(bin);
        int w = bucketSize();
        return bin * w + w / 2;
    }

    @Override
    public String kind() {
        return KIND;
    }
}
