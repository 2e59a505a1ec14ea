package io.scorpio.experiments.workload;

import io.scorpio.predictor.binning.EqualWidthBinning;
import io.scorpio.predictor.metrics.KendallTau;

/**
 * The paper's predictor metrics (its Table 5): Kendall's tau between true and predicted bins and the RMSE of the
 * true length against the predicted length.
 *
 * @param kendallTau Kendall's tau-b (tie-corrected, as scipy.stats.kendalltau computes it) over bins
 * @param rmse       root mean squared error of predicted vs true length, tokens
 */
public record PredictionQuality(double kendallTau, double rmse) {

    public static PredictionQuality of(int[] trueLengths, int[] predictedLengths, EqualWidthBinning bins) {
        if (trueLengths.length != predictedLengths.length || trueLengths.length < 2) {
            throw new IllegalArgumentException("need two arrays of equal length >= 2");
        }
        int n = trueLengths.length;
        int[] tb = new int[n];
        int[] pb = new int[n];
        double se = 0;
        for (int i = 0; i < n; i++) {
            tb[i] = bins.binOf(trueLengths[i]);
            pb[i] = bins.binOf(predictedLengths[i]);
            double d = (double) trueLengths[i] - predictedLengths[i];
            se += d * d;
        }
        return new PredictionQuality(kendallTauB(tb, pb), Math.sqrt(se / n));
    }

    /**
     * Kendall's tau-b (the predictor module's implementation), with 0 rather than NaN when either side is
     * constant, so that the noise model's search always has a number to move towards.
     */
    public static double kendallTauB(int[] x, int[] y) {
        double tau = KendallTau.tauB(x, y);
        return Double.isNaN(tau) ? 0.0 : tau;
    }
}
