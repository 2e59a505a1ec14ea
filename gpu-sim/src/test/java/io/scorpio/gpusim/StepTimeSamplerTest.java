package io.scorpio.gpusim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.scorpio.model.DataFiles;
import org.junit.jupiter.api.Test;

class StepTimeSamplerTest {

    private final GpuProfile profile = GpuProfile.load(GpuProfile.DEFAULT_NAME, DataFiles.resolve());

    @Test
    void theSameSeedGivesTheSameStepTimes() {
        var t = new GroundTruthStepTime(profile);
        var a = new StepTimeSampler(t, 42);
        var b = new StepTimeSampler(t, 42);
        var c = new StepTimeSampler(t, 43);
        int[] ctx = {500, 700, 900};
        for (int i = 0; i < 100; i++) {
            double x = a.decodeMs(ctx);
            assertEquals(x, b.decodeMs(ctx));
            assertNotEquals(x, c.decodeMs(ctx));
        }
    }

    @Test
    void theNoiseHasMeanOneAndTheConfiguredSpread() {
        var s = new StepTimeSampler(new GroundTruthStepTime(profile), 7);
        int n = 200_000;
        double sum = 0;
        double sumLog = 0;
        double sumLog2 = 0;
        for (int i = 0; i < n; i++) {
            double f = s.nextFactor();
            sum += f;
            sumLog += Math.log(f);
            sumLog2 += Math.log(f) * Math.log(f);
        }
        double mean = sum / n;
        double sd = Math.sqrt(sumLog2 / n - Math.pow(sumLog / n, 2));
        assertEquals(1.0, mean, 0.001);
        assertEquals(profile.noiseSigma(), sd, 0.002);
    }

    @Test
    void zeroSigmaGivesTheExpectation() {
        var t = new GroundTruthStepTime(profile.withNoiseSigma(0));
        var s = new StepTimeSampler(t, 1);
        int[] p = {100, 300};
        assertEquals(t.prefillMs(p), s.prefillMs(p));
    }
}
