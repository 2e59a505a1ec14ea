package io.scorpio.predictor.training;

import java.util.Random;

/**
 * A linear scorer trained with a pairwise ranking loss (RankNet's logistic loss, as vllm-ltr trains its ranker): for a
 * pair whose first answer is longer, loss = log(1 + exp(-(s_long - s_short))), plus an L2 penalty; plain SGD over
 * random pairs. Pairs whose order is unknown (tied labels, or the shorter label censored) are skipped. A ranking score
 * has no unit, so it is then mapped to a length by least squares of log(length) on the score over the uncensored
 * training rows, which gives a log-target {@link LinearHead} like the regression's.
 */
public final class PairwiseRanker {

    private PairwiseRanker() {
    }

    /** The pair loss for scores s of a longer and a shorter answer. */
    public static double pairLoss(double sLonger, double sShorter) {
        double margin = sLonger - sShorter;
        // log(1 + exp(-m)), stable for large |m|
        return margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin));
    }

    /**
     * Gradient of {@link #pairLoss} with linear scores s = w . z with respect to w: -sigmoid(-(s_l - s_s)) (z_l - z_s).
     */
    public static double[] pairGradient(double[] w, double[] zLonger, double[] zShorter) {
        double margin = RidgeRegression.dot(w, zLonger) - RidgeRegression.dot(w, zShorter);
        double factor = -1.0 / (1.0 + Math.exp(margin));
        double[] g = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            g[k] = factor * (zLonger[k] - zShorter[k]);
        }
        return g;
    }

    /**
     * Trains on {@code pairsPerRow * n} random pairs with learning rate {@code rate / sqrt(1 + step / n)} and L2
     * penalty {@code l2}, then calibrates (with {@code smear}, scaled so that the mean prediction estimates the mean
     * length, as {@link RidgeRegression} does). Deterministic for a seed.
     */
    public static LinearHead fit(float[][] x, int[] lengths, boolean[] censored, int pairsPerRow, double rate, double l2,
                                 boolean smear, long seed, int maxLength) {
        int n = x.length;
        int d = x[0].length;
        HeadFeatures.Standardisation std = HeadFeatures.Standardisation.fit(x);
        double[][] z = std.applyAll(x);
        double[] w = new double[d];
        Random random = new Random(seed);
        long steps = (long) pairsPerRow * n;
        for (long step = 0; step < steps; step++) {
            int a = random.nextInt(n);
            int b = random.nextInt(n);
            if (lengths[a] == lengths[b]) {
                continue;
            }
            int longer = lengths[a] > lengths[b] ? a : b;
            int shorter = longer == a ? b : a;
            if (censored[shorter]) {
                continue; // its true length may exceed the other's: order unknown
            }
            double[] g = pairGradient(w, z[longer], z[shorter]);
            double eta = rate / Math.sqrt(1.0 + (double) step / n);
            for (int k = 0; k < d; k++) {
                w[k] -= eta * (g[k] + l2 * w[k]);
            }
        }
        // Calibrate: log(length) ~ alpha + beta * score, on the uncensored rows.
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (censored[i]) {
                continue;
            }
            double s = RidgeRegression.dot(w, z[i]);
            double y = Math.log(Math.max(lengths[i], 1));
            sx += s;
            sy += y;
            sxx += s * s;
            sxy += s * y;
            m++;
        }
        double beta = (sxy - sx * sy / m) / Math.max(sxx - sx * sx / m, 1e-12);
        double alpha = (sy - beta * sx) / m;
        float[] weights = new float[d];
        for (int k = 0; k < d; k++) {
            weights[k] = (float) (beta * w[k]);
        }
        double scale = 1;
        if (smear) {
            // Duan's smearing: exp of a log fit estimates the median; times the mean of exp(residual), the mean.
            double sum = 0;
            for (int i = 0; i < n; i++) {
                if (!censored[i]) {
                    sum += Math.exp(Math.log(Math.max(lengths[i], 1)) - alpha - beta * RidgeRegression.dot(w, z[i]));
                }
            }
            scale = sum / m;
        }
        return new LinearHead(std, weights, (float) alpha, true, (float) scale, maxLength);
    }
}
