package io.scorpio.predictor.binning;

import java.util.Arrays;

/**
 * N bins holding (about) equal shares of the training lengths: boundaries {@code b_0 = 0 <= b_1 <= ... <= b_N = 8192},
 * with b_i the {@code 100 * i / N}-th percentile of the training lengths (linear interpolation, as numpy's default).
 * Bin i covers [b_i, b_{i+1}); a length equal to several repeated boundaries goes to the last of them, so repeated
 * boundaries leave empty bins. A bin predicts its midpoint {@code round((b_i + b_{i+1}) / 2)}.
 */
public record EqualFrequencyBinning(double[] boundaries) implements LengthBinning {

    public static final String KIND = "equal-frequency";

    public EqualFrequencyBinning {
        boundaries = boundaries.clone();
        if (boundaries.length < 2) {
            throw new IllegalArgumentException("equal-frequency binning needs at least 2 boundaries, got " + boundaries.length);
        }
        if (boundaries[0] != 0 || boundaries[boundaries.length - 1] != MAX_LENGTH) {
            throw new IllegalArgumentException("equal-frequency boundaries must start at 0 and end at " + MAX_LENGTH
                    + ", got " + boundaries[0] + " .. " + boundaries[boundaries.length - 1]);
        }
        for (int i = 1; i < boundaries.length; i++) {
            if (boundaries[i] < boundaries[i - 1]) {
                throw new IllegalArgumentException("equal-frequency boundaries must not decrease: b_" + (i - 1) + " = "
                        + boundaries[i - 1] + " > b_" + i + " = " + boundaries[i]);
            }
        }
    }

    /** Boundaries at the percentiles 100 * i / N of the training lengths (clamped to [0, 8192]). */
    public static EqualFrequencyBinning fromTrainingLengths(int bins, int[] trainingLengths) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be >= 1, got " + bins);
        }
        if (trainingLengths.length == 0) {
            throw new IllegalArgumentException("no training lengths");
        }
        int[] sorted = trainingLengths.clone();
        Arrays.sort(sorted);
        double[] b = new double[bins + 1];
        b[0] = 0;
        b[bins] = MAX_LENGTH;
        for (int i = 1; i < bins; i++) {
            double p = percentile(sorted, (double) i / bins);
            b[i] = Math.max(0, Math.min(MAX_LENGTH, p));
        }
        return new EqualFrequencyBinning(b);
    }

    /** Linear-interpolation percentile (q in [0, 1]) of sorted values: numpy's default method. */
    static double percentile(int[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    @Override
    public double[] boundaries() {
        return boundaries.clone();
    }

    @Override
    public int bins() {
        return boundaries.length - 1;
    }

    @Override
    public int binOf(int length) {
        int len = LengthBinning.clamp(length);
        // The largest i in [0, N-1] with b_i <= len (b_0 = 0 always qualifies).
        int lo = 0;
        int hi = bins() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (boundaries[mid] <= len) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    public int predictedLength(int bin) {
        checkBin(bin);
        return (int) Math.round((boundaries[bin] + boundaries[bin + 1]) / 2.0);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EqualFrequencyBinning other && Arrays.equals(boundaries, other.boundaries);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(boundaries);
    }

    @Override
    public String toString() {
        return "EqualFrequencyBinning" + Arrays.toString(boundaries);
    }
}
