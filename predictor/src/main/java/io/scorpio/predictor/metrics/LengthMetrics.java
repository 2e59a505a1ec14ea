package io.scorpio.predictor.metrics;

import io.scorpio.predictor.binning.LengthBinning;

/**
 * Table 5's metrics for predicted lengths (not only bins): Kendall's tau-b between true and predicted bins, exact /
 * within-1 / within-2 bin accuracy, the RMSE of the predicted length in tokens, the mean predicted and mean true length,
 * and how many prompts whose true length is under 1,000 tokens were put in the last (cap) bin.
 */
public record LengthMetrics(int rows, double kendallTau, double accuracy, double offBy1, double offBy2, double rmse,
                            double meanPredicted, double meanTrue, int capBinUnder1000) {

    public static LengthMetrics of(int[] trueLengths, int[] predictedLengths, LengthBinning binning) {
        int n = trueLengths.length;
        if (n == 0 || predictedLengths.length != n) {
            throw new IllegalArgumentException("need equally many true and predicted lengths, at least one");
        }
        int[] trueBins = new int[n];
        int[] predictedBins = new int[n];
        int exact = 0, off1 = 0, off2 = 0, cap = 0;
        double squared = 0, sumPredicted = 0, sumTrue = 0;
        for (int i = 0; i < n; i++) {
            trueBins[i] = binning.binOf(trueLengths[i]);
            predictedBins[i] = binning.binOf(predictedLengths[i]);
            int distance = Math.abs(trueBins[i] - predictedBins[i]);
            exact += distance == 0 ? 1 : 0;
            off1 += distance <= 1 ? 1 : 0;
            off2 += distance <= 2 ? 1 : 0;
            double error = trueLengths[i] - predictedLengths[i];
            squared += error * error;
            sumPredicted += predictedLengths[i];
            sumTrue += trueLengths[i];
            if (trueLengths[i] < 1000 && predictedBins[i] == binning.bins() - 1) {
                cap++;
            }
        }
        return new LengthMetrics(n, KendallTau.tauB(trueBins, predictedBins), (double) exact / n, (double) off1 / n,
                (double) off2 / n, Math.sqrt(squared / n), sumPredicted / n, sumTrue / n, cap);
    }

    /** The card's form (bins and RMSE). */
    public BinMetrics toBinMetrics() {
        return new BinMetrics(rows, kendallTau, accuracy, offBy1, offBy2, rmse);
    }

    @Override
    public String toString() {
        return String.format("n=%d tau=%.3f acc=%.1f%% off1=%.1f%% off2=%.1f%% rmse=%.1f mean pred/true=%.0f/%.0f cap<1000=%d",
                rows, kendallTau, 100 * accuracy, 100 * offBy1, 100 * offBy2, rmse, meanPredicted, meanTrue, capBinUnder1000);
    }
}
