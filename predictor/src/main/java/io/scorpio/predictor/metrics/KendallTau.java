package io.scorpio.predictor.metrics;

/** Kendall's rank correlation, tau-b (which corrects for ties, as scipy.stats.kendalltau does by default). */
public final class KendallTau {

    private KendallTau() {
    }

    /**
     * tau-b = (C - D) / sqrt((P - Tx) * (P - Ty)), with C and D the concordant and discordant pairs, P all pairs,
     * Tx and Ty the pairs tied in x and in y. NaN when either side is constant (tau is undefined then).
     * O(n^2): fine for the few hundred rows of a held-out split.
     */
    public static double tauB(int[] x, int[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("lengths differ: " + x.length + " vs " + y.length);
        }
        long concordant = 0;
        long discordant = 0;
        long tiedX = 0;
        long tiedY = 0;
        long pairs = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = i + 1; j < x.length; j++) {
                pairs++;
                int dx = Integer.compare(x[i], x[j]);
                int dy = Integer.compare(y[i], y[j]);
                if (dx == 0) {
                    tiedX++;
                }
                if (dy == 0) {
                    tiedY++;
                }
                if (dx != 0 && dy != 0) {
                    if (dx == dy) {
                        concordant++;
                    } else {
                        discordant++;
                    }
                }
            }
        }
        double denominator = Math.sqrt((double) (pairs - tiedX) * (double) (pairs - tiedY));
        return denominator == 0 ? Double.NaN : (concordant - discordant) / denominator;
    }
}
