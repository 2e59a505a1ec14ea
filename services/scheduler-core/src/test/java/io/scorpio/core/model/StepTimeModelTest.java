package io.scorpio.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StepTimeModelTest {

    private static final StepTimeModel TRUTH = new StepTimeModel(2.1e-5, 0.09, 0.0015, 9.5);

    private static List<DecodeSample> profile(StepTimeModel truth, double noise, long seed) {
        Random rnd = new Random(seed);
        List<DecodeSample> samples = new ArrayList<>();
        for (int b = 1; b <= 256; b += 5) {
            for (int l = 64; l <= 2048; l += 128) {
                double y = truth.stepMs(b, l) * (1 + noise * rnd.nextGaussian());
                samples.add(new DecodeSample(b, l, y));
            }
        }
        return samples;
    }

    @Test
    void recoversExactCoefficients() {
        ModelFit<StepTimeModel> fit = StepTimeModel.fit(profile(TRUTH, 0, 1));
        assertEquals(TRUTH.a(), fit.model().a(), 1e-12);
        assertEquals(TRUTH.b(), fit.model().b(), 1e-9);
        assertEquals(TRUTH.c(), fit.model().c(), 1e-9);
        assertEquals(TRUTH.d(), fit.model().d(), 1e-7);
        assertEquals(1.0, fit.accuracy().r2(), 1e-12);
        assertEquals(0, fit.outliersDropped());
    }

    @Test
    void dropsOutliersOffByMoreThanTheirOwnSizeAndRefits() {
        List<DecodeSample> samples = profile(TRUTH, 0.02, 7);
        int clean = samples.size();
        // Ten steps stalled by something else (a GC pause, a co-tenant) taking 10x their time.
        for (int i = 0; i < 10; i++) {
            samples.add(new DecodeSample(32, 512, 10 * TRUTH.stepMs(32, 512)));
        }
        ModelFit<StepTimeModel> fit = StepTimeModel.fit(samples);
        // The stalls drag the first fit, so a few small honest steps may go with them; the refit is clean.
        assertTrue(fit.outliersDropped() >= 10 && fit.outliersDropped() <= 20, "dropped " + fit.outliersDropped());
        assertEquals(clean + 10 - fit.outliersDropped(), fit.accuracy().samples());
        assertTrue(fit.accuracy().mape() < 0.03, fit.accuracy().toString());
        assertTrue(fit.accuracy().r2() > 0.99, fit.accuracy().toString());
    }

    @Test
    void predictedTpotIsTheStepAtTheMidpointOfTheRemainingOutput() {
        assertEquals(TRUTH.stepMs(8, 300 + 100), TRUTH.predictTpotMs(8, 300, 200), 1e-12);
    }

    @Test
    void accuracyMatchesHandComputedValues() {
        // y = 10, 20, 30; yhat = 12, 18, 30: SS_res = 8, SS_tot = 200, RMSE = sqrt(8/3), MAPE = (0.2 + 0.1 + 0)/3.
        FitAccuracy acc = FitAccuracy.of(new double[] {10, 20, 30}, new double[] {12, 18, 30});
        assertEquals(1 - 8.0 / 200, acc.r2(), 1e-12);
        assertEquals(Math.sqrt(8.0 / 3), acc.rmseMs(), 1e-12);
        assertEquals(0.1, acc.mape(), 1e-12);
        assertEquals(3, acc.samples());
    }

    @Test
    void refusesTooFewSamples() {
        assertThrows(IllegalArgumentException.class,
                () -> StepTimeModel.fit(List.of(new DecodeSample(1, 10, 10), new DecodeSample(2, 10, 11))));
    }
}
