package io.scorpio.predictor.metrics;

import io.scorpio.predictor.binning.LengthBinning;

/**
 * The paper's Table 5 metrics for one predictor on one split: Kendall's tau between true and predicted bins,
 * exact accuracy, off-by-1 and off-by-2 accuracy (|true bin - predicted bin| <= n), and the RMSE of the true
 * length against the predicted length (the predicted bin's midpoint), in tokens.
 */
public record BinMetrics(int rows, double kendallTau, double accuracy, double offBy1, double offBy2, double rmse) {

    public static BinMetrics of(int[] trueLengths, int[] predictedBins, LengthBinning binning) {
        if (trueLengths.length != predictedBins.length) {
            throw new IllegalArgumentException("lengths differ: " + trueLengths.length + " vs " + predictedBins.length);
        }
        int n = trueLengths.length;
        if (n == 0) {
            throw new IllegalArgumentException("no rows to score");
        }
        int[] trueBins = new int[n];
        int exact = 0;
        int off1 = 0;
        int off2 = 0;
        double squaredError = 0;
        for (int i = 0; i < n; i++) {
            trueBins[i] = binning.binOf(trueLengths[i]);
            int distance = Math.abs(trueBins[i] - predictedBins[i]);
            exact += distance == 0 ? 1 : 0;
            off1 += distance <= 1 ? 1 : 0;
            off2 += distance <= 2 ? 1 : 0;
            double error = trueLengths[i] - binning.predictedLength(predictedBins[i]);
            squaredError += error * error;
        }
        return new BinMetrics(n, KendallTau.tauB(trueBins, predictedBins),
                (double) exact / n, (double) off1 / n, (double) off2 / n, Math.sqrt(squaredError / n));
    }
}
