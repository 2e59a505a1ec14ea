package io.scorpio.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MixedStepModelTest {

    private static final MixedStepModel TRUE = new MixedStepModel(2e-4, 0.03, 0.001, 12, 0.06, 1.7e-6);

    @Test
    void theFitRecoversKnownCoefficientsAndDropsAnOutlier() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<MixedSample> samples = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int b = rnd.nextInt(200);
            double l = b == 0 ? 0 : 50 + rnd.nextInt(2000);
            int prefix = rnd.nextInt(3000);
            int n = b == 0 ? 1 + rnd.nextInt(2048) : rnd.nextInt(2048 - b);
            double pairs = MixedStepModel.attentionPairs(prefix, n);
            samples.add(new MixedSample(b, l, n, pairs, TRUE.stepMs(b, l, n, pairs)));
        }
        samples.add(new MixedSample(10, 500, 100, 1e4, 500)); // 20x too slow: an outlier by spec 2.2's rule
        ModelFit<MixedStepModel> fit = MixedStepModel.fit(samples);
        assertEquals(1, fit.outliersDropped());
        MixedStepModel m = fit.model();
        assertEquals(TRUE.a(), m.a(), 1e-9);
        assertEquals(TRUE.b(), m.b(), 1e-7);
        assertEquals(TRUE.d(), m.d(), 1e-6);
        assertEquals(TRUE.e(), m.e(), 1e-9);
        assertEquals(TRUE.f(), m.f(), 1e-12);
        assertTrue(fit.accuracy().r2() > 0.999999);
        assertEquals(0, fit.accuracy().mape(), 1e-9);
    }

    @Test
    void attentionPairsOfChunksAddUpToTheWholePrompt() {
        // A prompt of 1,000 in chunks of 300, 300, 400 covers the same pairs as the whole prompt at once: n^2.
        double chunks = MixedStepModel.attentionPairs(0, 300) + MixedStepModel.attentionPairs(300, 300)
                + MixedStepModel.attentionPairs(600, 400);
        assertEquals(1_000_000.0, chunks);
    }

    @Test
    void theStandInIsTheDecodeModelPlusThePrefillSlope() {
        MixedStepModel m = MixedStepModel.fromSeparate(new StepTimeModel(1e-4, 0.05, 0.002, 13),
                new PrefillTimeModel(100, 15, 0.07, 6));
        assertEquals(new StepTimeModel(1e-4, 0.05, 0.002, 13).stepMs(8, 500), m.stepMs(8, 500, 0, 0), 1e-12);
        assertEquals(m.stepMs(8, 500, 0, 0) + 0.07 * 256, m.stepMs(8, 500, 256, 1e6), 1e-12);
    }
}
