package io.scorpio.predictor.metrics;

import io.scorpio.predictor.binning.EqualWidthBinning;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against values worked out by hand (and by scipy.stats.kendalltau for tau-b). */
class BinMetricsTest {

    @Test
    void kendallTauWithoutTies() {
        // pairs: 5 concordant, 1 discordant (positions 2 and 3 swapped) -> (5 - 1) / 6
        assertEquals(4.0 / 6, KendallTau.tauB(new int[]{1, 2, 3, 4}, new int[]{1, 3, 2, 4}), 1e-12);
        assertEquals(-1.0, KendallTau.tauB(new int[]{1, 2, 3}, new int[]{3, 2, 1}), 1e-12);
    }

    @Test
    void kendallTauBCorrectsForTies() {
        // C = 4, D = 0, one pair tied in x, one in y: 4 / sqrt((6 - 1) * (6 - 1)) = 0.8
        assertEquals(0.8, KendallTau.tauB(new int[]{1, 1, 2, 3}, new int[]{1, 2, 2, 3}), 1e-12);
        assertTrue(Double.isNaN(KendallTau.tauB(new int[]{1, 2, 3}, new int[]{5, 5, 5})), "undefined for a constant");
    }

    @Test
    void table5MetricsByHand() {
        EqualWidthBinning b = new EqualWidthBinning(100); // w = 82
        int[] trueLengths = {0, 100, 500, 1000};         // bins 0, 1, 6, 12
        int[] predictedBins = {0, 0, 8, 20};             // distances 0, 1, 2, 8; midpoints 41, 41, 697, 1681
        BinMetrics m = BinMetrics.of(trueLengths, predictedBins, b);
        assertEquals(4, m.rows());
        assertEquals(0.25, m.accuracy(), 1e-12);
        assertEquals(0.50, m.offBy1(), 1e-12);
        assertEquals(0.75, m.offBy2(), 1e-12);
        double squares = 41 * 41 + 59 * 59 + 197 * 197 + 681 * 681; // 507,732
        assertEquals(Math.sqrt(squares / 4), m.rmse(), 1e-9);
        assertEquals(356.2766, m.rmse(), 1e-4);
        // true bins 0,1,6,12 vs predicted 0,0,8,20: 5 concordant, 1 pair tied in the prediction -> 5 / sqrt(6 * 5)
        assertEquals(5 / Math.sqrt(30), m.kendallTau(), 1e-12);
    }
}
