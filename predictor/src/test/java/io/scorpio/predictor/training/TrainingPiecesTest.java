package io.scorpio.predictor.training;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The head trainers on tiny problems whose answers are known. */
class TrainingPiecesTest {

    @Test
    void theRankingLossGradientMatchesFiniteDifferences() {
        double[] w = {0.3, -0.2, 0.5};
        double[] longer = {1.0, 2.0, -1.0};
        double[] shorter = {0.5, -1.0, 0.25};
        double[] g = PairwiseRanker.pairGradient(w, longer, shorter);
        double h = 1e-6;
        for (int k = 0; k < w.length; k++) {
            double[] up = w.clone();
            double[] down = w.clone();
            up[k] += h;
            down[k] -= h;
            double numeric = (loss(up, longer, shorter) - loss(down, longer, shorter)) / (2 * h);
            assertEquals(numeric, g[k], 1e-6, "component " + k);
        }
        // A pair already ordered by a wide margin costs almost nothing; a reversed one costs about its margin.
        assertTrue(PairwiseRanker.pairLoss(20, 0) < 1e-8);
        assertEquals(20, PairwiseRanker.pairLoss(0, 20), 1e-6);
    }

    private static double loss(double[] w, double[] longer, double[] shorter) {
        return PairwiseRanker.pairLoss(RidgeRegression.dot(w, longer), RidgeRegression.dot(w, shorter));
    }

    @Test
    void theRankerLearnsTheOrderAndTheCalibrationTheScale() {
        // length = exp(4 + 0.8 x0): x1 is noise
        Random random = new Random(1);
        int n = 400;
        float[][] x = new float[n][2];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = (float) random.nextGaussian();
            x[i][1] = (float) random.nextGaussian();
            lengths[i] = (int) Math.round(Math.exp(4 + 0.8 * x[i][0]));
        }
        LinearHead head = PairwiseRanker.fit(x, lengths, new boolean[n], 200, 0.05, 1e-4, false, 3L, 8192);
        assertTrue(head.weights()[0] > 10 * Math.abs(head.weights()[1]), "x0 carries the order");
        assertEquals(Math.exp(4), head.predictLength(new float[]{0, 0}), 0.1 * Math.exp(4));
        assertEquals(Math.exp(5.6), head.predictLength(new float[]{2, 0}), 0.1 * Math.exp(5.6));
    }

    @Test
    void theHiddenLayerRanksWhatNoLinearScoreCan() {
        // length = exp(4 + 0.8 |x0|): long at both ends of x0, so no linear score orders it; x1 is noise
        Random random = new Random(2);
        int n = 600;
        float[][] x = new float[n][2];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = (float) random.nextGaussian();
            x[i][1] = (float) random.nextGaussian();
            lengths[i] = (int) Math.round(Math.exp(4 + 0.8 * Math.abs(x[i][0])));
        }
        float[][] fresh = new float[200][];
        int[] freshLengths = new int[fresh.length];
        for (int i = 0; i < fresh.length; i++) {
            fresh[i] = new float[]{(float) random.nextGaussian(), (float) random.nextGaussian()};
            freshLengths[i] = (int) Math.round(Math.exp(4 + 0.8 * Math.abs(fresh[i][0])));
        }
        LinearHead linear = PairwiseRanker.fit(x, lengths, new boolean[n], 100, 0.05, 1e-4, false, 3L, 8192);
        assertTrue(concordance(linear, fresh, freshLengths) < 0.65, "a linear score cannot order |x0|");
        for (int folds : new int[]{0, 3}) {
            MlpHead head = MlpRanker.fit(x, lengths, new boolean[n], 8, 100, 0.05, 1e-4, false, 3L, 8192, folds);
            assertEquals(folds < 2 ? 8 : 8 * folds, head.hidden(), "cross-fitting keeps every fold's units");
            assertTrue(concordance(head, fresh, freshLengths) > 0.9, "folds " + folds);
            assertEquals(Math.exp(4 + 0.8 * 1.5), head.predictLength(new float[]{-1.5f, 0}), 0.25 * Math.exp(5.2),
                    "folds " + folds + ": calibrated to tokens");
        }
    }

    /** The share of pairs with different lengths that the head orders as the lengths are. */
    private static double concordance(LengthHead head, float[][] x, int[] lengths) {
        int agree = 0;
        int pairs = 0;
        for (int a = 0; a < x.length; a++) {
            for (int b = a + 1; b < x.length; b++) {
                if (lengths[a] == lengths[b]) {
                    continue;
                }
                pairs++;
                if ((head.predictLength(x[a]) - head.predictLength(x[b])) * (lengths[a] - lengths[b]) > 0) {
                    agree++;
                }
            }
        }
        return (double) agree / pairs;
    }

    @Test
    void ridgeRecoversALinearLawAndTreatsCensoredLabelsAsLowerBounds() {
        int n = 200;
        float[][] x = new float[n][1];
        int[] lengths = new int[n];
        boolean[] censored = new boolean[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = i;
            lengths[i] = 100 + 5 * i;
        }
        LinearHead exact = RidgeRegression.fit(x, lengths, censored, 1e-9, false, false, 8192);
        assertEquals(100 + 5 * 50, exact.predictLength(new float[]{50}), 1e-3);

        // A censored label below the fit (the answer was cut at 10 tokens, its truth is unknown but >= 10) must not
        // pull the fit down; the same row as an exact label does.
        lengths[10] = 10;
        censored[10] = true;
        LinearHead lowerBound = RidgeRegression.fit(x, lengths, censored, 1e-9, false, false, 8192);
        assertEquals(150, lowerBound.predictLength(new float[]{10}), 1e-2);
        censored[10] = false;
        LinearHead asExact = RidgeRegression.fit(x, lengths, censored, 1e-9, false, false, 8192);
        assertTrue(asExact.predictLength(new float[]{10}) < 149);

        // A censored label above the fit pushes it up like an exact one.
        lengths[10] = 5000;
        censored[10] = true;
        LinearHead above = RidgeRegression.fit(x, lengths, censored, 1e-9, false, false, 8192);
        assertTrue(above.predictLength(new float[]{10}) > 160);
    }

    @Test
    void predictionsStayBelowTheCapBin() {
        LinearHead head = new LinearHead(new HeadFeatures.Standardisation(new float[]{0}, new float[]{1}),
                new float[]{1f}, 0f, true, 1f, 8192);
        assertEquals(8191, head.predictLength(new float[]{100}), 1e-9, "exp(100) clipped");
        assertEquals(1, head.predictLength(new float[]{-100}), 1e-9);
    }
}
