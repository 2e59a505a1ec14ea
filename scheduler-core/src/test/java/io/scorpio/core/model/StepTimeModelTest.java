package io.scorpio.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

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

    @Test
    void theNonNegativeFitIsTheOrdinaryFitWhenThatIsAlreadyNonNegative() {
        List<DecodeSample> samples = profile(TRUTH, 0.02, 3);
        StepTimeModel ols = StepTimeModel.fit(samples).model();
        StepTimeModel nnls = StepTimeModel.fitNonNegative(samples).model();
        assertTrue(ols.a() >= 0 && ols.b() >= 0 && ols.c() >= 0, ols.toString());
        assertEquals(ols.a(), nnls.a(), 1e-15);
        assertEquals(ols.b(), nnls.b(), 1e-12);
        assertEquals(ols.c(), nnls.c(), 1e-12);
        assertEquals(ols.d(), nnls.d(), 1e-9);
    }

    /**
     * Inter-token gaps of a live server seen only at small batches and short lengths (as a fresh vLLM worker sees
     * them): the gap grows with the batch alone, plus timer noise. OLS finds a B*L or L slope in the noise, and
     * extrapolates it to step times that fall, below zero, at the batches and lengths the guard asks about.
     */
    @Test
    void aNarrowLiveWindowIsFittedWithoutStepTimesThatFallAsTheBatchOrLengthsGrow() {
        Random rnd = new Random(11);
        List<DecodeSample> samples = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            int b = 1 + rnd.nextInt(10);
            double l = 5 + 55 * rnd.nextDouble();
            samples.add(new DecodeSample(b, l, 3 + 2 * b + 1.5 * Math.abs(rnd.nextGaussian())));
        }
        StepTimeModel ols = StepTimeModel.fit(samples).model();
        assertTrue(ols.a() < 0 || ols.c() < 0, "this window's OLS fit has a falling slope: " + ols);
        assertTrue(Math.min(ols.stepMs(256, 32_768), ols.stepMs(1, 32_768)) < ols.stepMs(1, 1),
                "and predicts a step shorter at a long length than at (1, 1): " + ols);

        StepTimeModel nnls = StepTimeModel.fitNonNegative(samples).model();
        assertTrue(nnls.a() >= 0 && nnls.b() >= 0 && nnls.c() >= 0, nnls.toString());
        assertTrue(nnls.stepMs(1, 1) > 0);
        assertEquals(2, nnls.b(), 0.2, "the batch slope is still found: " + nnls);
        assertEquals(3 + 2 * 5 + 1.2, nnls.stepMs(5, 30), 1.0, "and in the window it predicts what it saw: " + nnls);
    }

    /**
     * The non-negative fit is the constrained optimum: at it, the squared error's gradient is zero in each positive
     * coefficient and in d, and does not fall as a coefficient held at zero would rise (the KKT conditions).
     */
    @Test
    void theNonNegativeFitMeetsTheOptimalityConditions() {
        // 200 random profiles of 4 to 60 samples; a fixed seed keeps the build deterministic.
        qt().withFixedSeed(101).withExamples(200)
                .forAll(integers().between(4, 60), longs().all())
                .checkAssert(StepTimeModelTest::nonNegativeFitMeetsTheOptimalityConditions);
    }

    /** The property for one profile: {@code n} samples drawn at random from {@code seed}. */
    private static void nonNegativeFitMeetsTheOptimalityConditions(int n, long seed) {
        Random rnd = new Random(seed);
        List<DecodeSample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            samples.add(new DecodeSample(1 + rnd.nextInt(256), 1 + 4095 * rnd.nextDouble(), 1 + 100 * rnd.nextDouble()));
        }
        StepTimeModel m = StepTimeModel.nonNegativeOls(samples);
        double[] coef = {m.a(), m.b(), m.c(), m.d()};
        double[] gradient = new double[4];
        double[] scale = new double[4];
        for (DecodeSample s : samples) {
            double[] x = {s.batchSize() * s.meanLength(), s.batchSize(), s.meanLength(), 1};
            double r = s.stepMs() - m.stepMs(s.batchSize(), s.meanLength());
            for (int j = 0; j < 4; j++) {
                gradient[j] += -2 * x[j] * r;
                scale[j] += 2 * x[j] * s.stepMs();
            }
        }
        for (int j = 0; j < 4; j++) {
            double tolerance = 1e-7 * scale[j] + 1e-9;
            if (j == 3 || coef[j] > 0) {
                assertEquals(0, gradient[j], tolerance, "gradient " + j + " at a free coefficient: " + m);
            } else {
                assertEquals(0.0, coef[j], "coefficient " + j + " is held at zero, not below: " + m);
                assertTrue(gradient[j] >= -tolerance, "raising coefficient " + j + " would lower the error: " + m);
            }
        }
    }
}
