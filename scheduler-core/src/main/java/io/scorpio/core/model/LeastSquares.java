package io.scorpio.core.model;

/**
 * Ordinary least squares by Householder QR on the design matrix.
 *
 * <p>QR rather than the normal equations because the step-time columns span six orders of magnitude
 * (B*L reaches 10^5 while the intercept column is 1): squaring that condition number loses the small
 * coefficients.
 */
final class LeastSquares {

    private LeastSquares() {
    }

    /**
     * Solves min ||X beta - y||.
     *
     * @param x rows of the design matrix (n rows, k columns, n >= k)
     * @param y the observations
     * @return beta (k coefficients); a column that is all zero or linearly dependent gets coefficient 0
     */
    static double[] solve(double[][] x, double[] y) {
        int n = x.length;
        if (n == 0) {
            throw new IllegalArgumentException("no samples to fit");
        }
        int k = x[0].length;
        if (n < k) {
            throw new IllegalArgumentException("need at least " + k + " samples to fit " + k + " coefficients, got " + n);
        }
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = x[i].clone();
        }
        double[] b = y.clone();
        double[] diag = new double[k];
        for (int j = 0; j < k; j++) {
            double norm = 0;
            for (int i = j; i < n; i++) {
                norm = Math.hypot(norm, a[i][j]);
            }
            if (norm == 0) {
                diag[j] = 0;
                continue;
            }
            double alpha = a[j][j] > 0 ? -norm : norm;
            // v = a[j..n][j] - alpha e_j, stored in place
            a[j][j] -= alpha;
            double vNormSq = 0;
            for (int i = j; i < n; i++) {
                vNormSq += a[i][j] * a[i][j];
            }
            for (int c = j + 1; c < k; c++) {
                double dot = 0;
                for (int i = j; i < n; i++) {
                    dot += a[i][j] * a[i][c];
                }
                double f = 2 * dot / vNormSq;
                for (int i = j; i < n; i++) {
                    a[i][c] -= f * a[i][j];
                }
            }
            double dot = 0;
            for (int i = j; i < n; i++) {
                dot += a[i][j] * b[i];
            }
            double f = 2 * dot / vNormSq;
            for (int i = j; i < n; i++) {
                b[i] -= f * a[i][j];
            }
            diag[j] = alpha;
        }
        // Back substitution on R (upper triangle of a, diagonal in diag).
        double maxDiag = 0;
        for (double d : diag) {
            maxDiag = Math.max(maxDiag, Math.abs(d));
        }
        double[] beta = new double[k];
        for (int j = k - 1; j >= 0; j--) {
            if (Math.abs(diag[j]) <= 1e-12 * maxDiag) {
                beta[j] = 0; // rank-deficient column: leave it out of the fit
                continue;
            }
            double s = b[j];
            for (int c = j + 1; c < k; c++) {
                s -= a[j][c] * beta[c];
            }
            beta[j] = s / diag[j];
        }
        return beta;
    }
}
