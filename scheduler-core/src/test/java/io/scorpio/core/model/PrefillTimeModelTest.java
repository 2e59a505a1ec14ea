package io.scorpio.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import org.quicktheories.core.Gen;
import org.junit.jupiter.api.Test;

class PrefillTimeModelTest {

    @Test
    void findsThresholdConstantAndSlope() {
        PrefillTimeModel truth = new PrefillTimeModel(200, 15, 0.06, 8);
        List<PrefillSample> samples = new ArrayList<>();
        for (int n = 10; n <= 1024; n += 7) {
            samples.add(new PrefillSample(n, truth.prefillMs(n)));
        }
        ModelFit<PrefillTimeModel> fit = PrefillTimeModel.fit(samples);
        assertEquals(200, fit.model().theta());
        assertEquals(15, fit.model().constantMs(), 1e-9);
        assertEquals(0.06, fit.model().alpha(), 1e-12);
        assertEquals(8, fit.model().beta(), 1e-9);
        assertEquals(1.0, fit.accuracy().r2(), 1e-12);
    }

    @Test
    void constantBelowThetaIsTheMeanOfThoseSamples() {
        List<PrefillSample> samples = List.of(new PrefillSample(10, 10), new PrefillSample(20, 14),
                new PrefillSample(600, 40), new PrefillSample(800, 50), new PrefillSample(1000, 60));
        PrefillTimeModel m = PrefillTimeModel.fitAt(50, samples);
        assertEquals(12, m.constantMs(), 1e-12);
        assertEquals(0.05, m.alpha(), 1e-12);
        assertEquals(10, m.beta(), 1e-9);
    }

    /**
     * Random models, falling slopes and negative intercepts included: θ 0..1000, C 0..100 ms,
     * α −0.05..0.1 ms per token (in steps of 0.001), β −20..40 ms.
     */
    private static final Gen<PrefillTimeModel> MODELS = integers().between(0, 1000).zip(
            integers().between(0, 100), integers().between(-50, 100), integers().between(-20, 40),
            (theta, constant, alphaMilli, beta) -> new PrefillTimeModel(theta, constant, alphaMilli / 1000.0, beta));

    @Test
    void maxPrefillUpToIsAnUpperBoundOfEveryPrefix() {
        qt().withFixedSeed(102).withExamples(300)
                .forAll(MODELS, integers().between(1, 5000))
                .checkAssert(PrefillTimeModelTest::maxPrefillUpToIsAnUpperBoundOfEveryPrefix);
    }

    /** The property for one model and one prompt of {@code tokens} tokens. */
    private static void maxPrefillUpToIsAnUpperBoundOfEveryPrefix(PrefillTimeModel m, int tokens) {
        double bound = m.maxPrefillMsUpTo(tokens);
        for (int n = 1; n <= tokens; n++) {
            assertTrue(m.prefillMs(n) <= bound + 1e-9, "T(" + n + ") above the bound for " + tokens);
        }
    }
}
