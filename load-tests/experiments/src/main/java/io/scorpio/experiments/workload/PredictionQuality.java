package io.scorpio.experiments.workload;

/**
 * The paper's predictor metrics (its Table 5): Kendall's tau between true and predicted bins and the RMSE of the
 * true length against the predicted length.
 *
 * @param kendallTau Kendall's tau-b (tie-corrected, as scipy.stats.kendalltau computes it) over bins
 * @param rmse       root mean squared error of predicted vs true length, tokens
 */
public record PredictionQuality(double kendallTau, double rmse) {

    public static PredictionQuality of(int[] trueLengths, int[] predictedLengths, LengthBins bins) {
        if (trueLengths.length != predictedLengths.length || trueLengths.length < 2) {
            throw new IllegalArgumentException("need two arrays of equal length >= 2");
        }
        int n = trueLengths.length;
        int[] tb = new int[n];
        int[] pb = new int[n];
        double se = 0;
        for (int i = 0; i < n; i++) {
            tb[i] = bins.bin(trueLengths[i]);
            pb[i] = bins.bin(predictedLengths[i]);
            double d = (double) trueLengths[i] - predictedLengths[i];
            se += d * d;
        }
        return new PredictionQuality(kendallTauB(tb, pb), Math.sqrt(se / n));
    }

    /**
     * Kendall's tau-b, by direct pair counting: O(n^2), fine for workloads of a few thousand requests.
     * tau-b = (C - D) / sqrt((n0 - n1)(n0 - n2)), n1 and n2 the pairs tied in x and in y.
     */
    public static double kendallTauB(int[] x, int[] y) {
        int n = x.length;
        long concordantMinusDiscordant = 0;
        long tiedX = 0;
        long tiedY = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                int dx = Integer.compare(x[i], x[j]);
                int dy = Integer.compare(y[i], y[j]);
                if (dx == 0) {
                    tiedX++;
                }
                if (dy == 0) {
                    tiedY++;
                }
                concordantMinusDiscordant += (long) dx * dy;
            }
        }
        long n0 = (long) n * (n - 1) / 2;
        double denom = Math.sqrt((double) (n0 - tiedX) * (n0 - tiedY));
        return denom == 0 ? 0.0 : concordantMinusDiscordant / denom;
    }
}
