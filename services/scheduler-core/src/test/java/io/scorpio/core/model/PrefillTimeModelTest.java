package io.scorpio.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
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

    @Property(tries = 300)
    void maxPrefillUpToIsAnUpperBoundOfEveryPrefix(@ForAll @IntRange(min = 0, max = 1000) int theta,
                                                   @ForAll @IntRange(min = 0, max = 100) int constant,
                                                   @ForAll @IntRange(min = -50, max = 100) int alphaMilli,
                                                   @ForAll @IntRange(min = -20, max = 40) int beta,
                                                   @ForAll @IntRange(min = 1, max = 5000) int tokens) {
        PrefillTimeModel m = new PrefillTimeModel(theta, constant, alphaMilli / 1000.0, beta);
        double bound = m.maxPrefillMsUpTo(tokens);
        for (int n = 1; n <= tokens; n++) {
            assertTrue(m.prefillMs(n) <= bound + 1e-9, "T(" + n + ") above the bound for " + tokens);
        }
    }
}
