package io.scorpio.predictor.training;

/**
 * Ridge regression in closed form on standardised features (no penalty on the intercept), with censored labels handled
 * as lower bounds: the loss of a censored row is max(0, y - f)^2, minimised by refitting with the censored targets
 * replaced by max(y, current fit) until they stop changing (each step lowers the loss; it is the usual way to fit a
 * squared loss with one-sided labels). So a runaway answer pushes the fit up only where the fit is below it, and never
 * becomes a target of its own.
 */
public final class RidgeRegression {

    public static final int CENSORED_ITERATIONS = 30;

    private RidgeRegression() {
    }

    /**
     * Fits y (a length, or log length when {@code logTarget}) on x.
     *
     * @param x          raw features, one row per prompt
     * @param lengths    label lengths in tokens
     * @param censored   which labels are lower bounds
     * @param lambda     L2 penalty on the standardised weights (times the row count)
     * @param logTarget  fit log(length) and predict exp
     * @param smear      with a log target, scale predictions by the mean of exp(residual) over uncensored rows, so that
     *                   the mean prediction estimates the mean length rather than the median (Duan's smearing)
     * @param maxLength  the binning's maximum length
     */
    public static LinearHead fit(float[][] x, int[] lengths, boolean[] censored, double lambda, boolean logTarget,
                                 boolean smear, int maxLength) {
        int n = x.length;
        int d = x[0].length;
        HeadFeatures.Standardisation std = HeadFeatures.Standardisation.fit(x);
        double[][] z = new double[n][];
        for (int i = 0; i < n; i++) {
            float[] s = std.apply(x[i]);
            z[i] = new double[d + 1];
            for (int k = 0; k < d; k++) {
                z[i][k] = s[k];
            }
            z[i][d] = 1.0;
        }
        // Gram matrix Z'Z + lambda * n * I (the intercept column is not penalised), factored once.
        double[][] gram = new double[d + 1][d + 1];
        for (double[] row : z) {
            for (int a = 0; a <= d; a++) {
                double ra = row[a];
                if (ra == 0) {
                    continue;
                }
                double[] ga = gram[a];
                for (int b = a; b <= d; b++) {
                    ga[b] += ra * row[b];
                }
            }
        }
        for (int a = 0; a <= d; a++) {
            for (int b = 0; b < a; b++) {
                gram[a][b] = gram[b][a];
            }
            if (a < d) {
                gram[a][a] += lambda * n;
            }
        }
        double[][] chol = cholesky(gram);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = logTarget ? Math.log(Math.max(lengths[i], 1)) : lengths[i];
        }
        double[] target = y.clone();
        double[] w = null;
        for (int iteration = 0; iteration < CENSORED_ITERATIONS; iteration++) {
            w = solve(chol, multiplyTransposed(z, target));
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                if (censored[i]) {
                    double next = Math.max(y[i], dot(z[i], w));
                    changed |= Math.abs(next - target[i]) > 1e-6;
                    target[i] = next;
                }
            }
            if (!changed) {
                break;
            }
        }
        float[] weights = new float[d];
        for (int k = 0; k < d; k++) {
            weights[k] = (float) w[k];
        }
        float scale = 1f;
        if (logTarget && smear) {
            double sum = 0;
            int count = 0;
            for (int i = 0; i < n; i++) {
                if (!censored[i]) {
                    sum += Math.exp(y[i] - dot(z[i], w));
                    count++;
                }
            }
            scale = (float) (sum / count);
        }
        return new LinearHead(std, weights, (float) w[d], logTarget, scale, maxLength);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += a[k] * b[k];
        }
        return s;
    }

    private static double[] multiplyTransposed(double[][] z, double[] y) {
        double[] out = new double[z[0].length];
        for (int i = 0; i < z.length; i++) {
            for (int k = 0; k < out.length; k++) {
                out[k] += z[i][k] * y[i];
            }
        }
        return out;
    }

    /** Lower-triangular L with L L' = a (a symmetric positive definite). */
    static double[][] cholesky(double[][] a) {
        int m = a.length;
        double[][] l = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (s <= 0) {
                        throw new IllegalArgumentException("matrix is not positive definite (use lambda > 0)");
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    /** Solves L L' x = b. */
    static double[] solve(double[][] l, double[] b) {
        int m = b.length;
        double[] t = new double[m];
        for (int i = 0; i < m; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * t[k];
            }
            t[i] = s / l[i][i];
        }
        double[] x = new double[m];
        for (int i = m - 1; i >= 0; i--) {
            double s = t[i];
            for (int k = i + 1; k < m; k++) {
                s -= l[k][i] * x[k];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }
}
