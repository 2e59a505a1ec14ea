package io.scorpio.core.model;

/**
 * How well a fitted model explains its samples, as the paper's Table 4 reports it.
 *
 * @param r2 coefficient of determination, 1 - SS_res / SS_tot
 * @param rmseMs root-mean-square error in milliseconds
 * @param mape mean absolute percentage error as a fraction (0.05 = 5%)
 * @param samples the samples the accuracy was measured on
 */
public record FitAccuracy(double r2, double rmseMs, double mape, int samples) {

    /** Measures predictions against observations. */
    public static FitAccuracy of(double[] observed, double[] predicted) {
        int n = observed.length;
        if (n == 0 || predicted.length != n) {
            throw new IllegalArgumentException("need the same non-zero number of observations and predictions");
        }
        double mean = 0;
        for (double y : observed) {
            mean += y;
        }
        mean /= n;
        double ssRes = 0;
        double ssTot = 0;
        double ape = 0;
        int apeCount = 0;
        for (int i = 0; i < n; i++) {
            double e = observed[i] - predicted[i];
            ssRes += e * e;
            ssTot += (observed[i] - mean) * (observed[i] - mean);
            if (observed[i] != 0) {
                ape += Math.abs(e / observed[i]);
                apeCount++;
            }
        }
        double r2 = ssTot == 0 ? (ssRes == 0 ? 1 : 0) : 1 - ssRes / ssTot;
        return new FitAccuracy(r2, Math.sqrt(ssRes / n), apeCount == 0 ? 0 : ape / apeCount, n);
    }

    @Override
    public String toString() {
        return String.format("R^2 %.4f, RMSE %.3f ms, MAPE %.2f%% over %d samples", r2, rmseMs, 100 * mape, samples);
    }
}
