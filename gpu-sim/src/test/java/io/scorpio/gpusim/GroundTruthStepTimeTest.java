package io.scorpio.gpusim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.DataFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ground truth of Llama-3.1-8B on one A100, checked piece by piece against hand arithmetic. */
class GroundTruthStepTimeTest {

    static DataFiles data;
    static GpuProfile profile;
    static GroundTruthStepTime truth;

    @BeforeAll
    static void load() {
        data = DataFiles.resolve();
        profile = GpuProfile.load(GpuProfile.DEFAULT_NAME, data);
        truth = new GroundTruthStepTime(profile);
    }

    @Test
    void theProfileHasLlama31ShapeAndA100Bandwidth() {
        assertEquals("llama-3.1-8b-a100", profile.name());
        assertEquals(131_072L, profile.kvBytesPerToken());
        assertEquals(2039, profile.hbmBandwidthGBps());
        assertEquals(451, profile.linearTime().size(), "456 rows, five token counts measured twice");
    }

    @Test
    void linearTimeIsTheVidurTableAtMeasuredPointsAndInterpolatedBetween() {
        LinearTimeTable t = profile.linearTime();
        assertEquals(9.7630, t.msAt(1), 1e-9);
        assertEquals(10.9810, t.msAt(32), 1e-9);
        assertEquals(13.2890, t.msAt(128), 1e-9);
        // halfway between 128 (13.289) and 136 (18.170): the tile-quantisation jump is kept
        assertEquals((13.289 + 18.170) / 2, t.msAt(132), 1e-9);
        assertEquals(0.0, t.msAt(0));
    }

    @Test
    void aDecodeStepIsLinearTimePlusKvBytesOverBandwidthPlusOverhead() {
        int[] ctx = {1000, 3000};
        double kvMs = 4000 * 131_072.0 / (2039e9 * profile.decodeAttentionEfficiency()) * 1e3;
        double expected = profile.linearTime().msAt(2) + kvMs + profile.stepOverheadMs()
                + 2 * profile.stepOverheadPerSeqMs();
        assertEquals(expected, truth.decodeMs(ctx), 1e-9);
    }

    @Test
    void aPrefillStepGrowsWithTheSquareOfEachPromptNotOfTheirSum() {
        double one1024 = truth.prefillMs(new int[] {1024});
        double four256 = truth.prefillMs(new int[] {256, 256, 256, 256});
        double attnOne = profile.prefillAttentionMsPerToken2() * 1024 * 1024;
        double attnFour = profile.prefillAttentionMsPerToken2() * 4 * 256 * 256;
        double lin = profile.linearTime().msAt(1024);
        assertEquals(lin + attnOne + profile.stepOverheadMs() + profile.stepOverheadPerSeqMs(), one1024, 1e-9);
        assertEquals(lin + attnFour + profile.stepOverheadMs() + 4 * profile.stepOverheadPerSeqMs(), four256, 1e-9);
        assertTrue(one1024 > four256 - 4 * profile.stepOverheadPerSeqMs());
    }

    @Test
    void stepTimesAreInTheRangeKnownForAn8BModelOnAnA100() {
        // batch-1 decode of an 8B fp16 model reads ~16 GB of weights: >= 7.9 ms at 2,039 GB/s; vLLM eager ~12-15 ms
        double b1 = truth.decodeMsUniform(1, 512);
        assertTrue(b1 > 10 && b1 < 20, "batch-1 decode " + b1);
        // a full 1,024-token prefill step: ~70-100 ms on an A100
        double p = truth.prefillMs(new int[] {1024});
        assertTrue(p > 60 && p < 110, "1,024-token prefill " + p);
    }

    @Test
    void decodeIsMonotoneInBatchAndContext() {
        double prev = 0;
        for (int b = 1; b <= 256; b++) {
            double t = truth.decodeMsUniform(b, 800);
            assertTrue(t >= prev - 1.0, "decode time should not drop by more than a profile wiggle at batch " + b);
            prev = Math.max(prev, t);
        }
        assertTrue(truth.decodeMsUniform(64, 2000) > truth.decodeMsUniform(64, 1000));
    }

    @Test
    void theGroundTruthIsNotTheScorpioBilinearModel() {
        // Fit a*B*L + b*B + c*L + d exactly through 4 points, then check it misses a 5th by a clear margin:
        // the truth has the measured non-linear steps in B, so a fitted model is never exact by construction.
        double[][] pts = {{8, 500}, {8, 1500}, {200, 500}, {200, 1500}};
        double[] y = new double[4];
        for (int i = 0; i < 4; i++) {
            y[i] = truth.decodeMsUniform((int) pts[i][0], (int) pts[i][1]);
        }
        // bilinear interpolation through the corners is exactly the a*B*L + b*B + c*L + d model
        double bMid = 136;
        double fb = (bMid - 8) / (200 - 8);
        double lo = y[0] + fb * (y[2] - y[0]);
        double hi = y[1] + fb * (y[3] - y[1]);
        double bilinear = (lo + hi) / 2;
        double actual = truth.decodeMsUniform((int) bMid, 1000);
        assertTrue(Math.abs(actual - bilinear) / actual > 0.03,
                "truth " + actual + " vs bilinear " + bilinear + " should differ by more than 3%");
    }
}
