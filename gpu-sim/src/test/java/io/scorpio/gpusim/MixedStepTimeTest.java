package io.scorpio.gpusim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ground truth of a mixed step (chunked prefill): decodes and prompt chunks in one forward pass. */
class MixedStepTimeTest {

    static GpuProfile profile;
    static GroundTruthStepTime truth;

    @BeforeAll
    static void load() {
        profile = GpuProfile.loadDefault();
        truth = new GroundTruthStepTime(profile);
    }

    @Test
    void withoutChunksItIsExactlyTheDecodeStep() {
        int[] contexts = {812, 40, 1500, 3};
        assertEquals(truth.decodeMs(contexts), truth.mixedMs(contexts, new int[0], new int[0]));
    }

    @Test
    void withoutDecodesAndFromScratchItIsExactlyThePrefillStep() {
        int[] prompts = {300, 512, 7};
        assertEquals(truth.prefillMs(prompts), truth.mixedMs(new int[0], new int[3], prompts));
        assertEquals(0.0, truth.mixedMs(new int[0], new int[0], new int[0]));
    }

    @Test
    void aMixedStepIsItsPiecesByHand() {
        // 2 decodes reading 1,000 and 500 tokens of KV, a chunk of 256 tokens after 1,024 prefilled ones, and a
        // 100-token prompt from scratch: 358 tokens through the linear layers, 256 * (2048 + 256) + 100 * 100 pairs.
        double expected = profile.linearTime().msAt(358)
                + profile.prefillAttentionMsPerToken2() * (256.0 * 2304 + 100.0 * 100)
                + truth.decodeAttentionMs(1500)
                + profile.stepOverheadMs() + profile.stepOverheadPerSeqMs() * 4;
        assertEquals(expected, truth.mixedMs(new int[] {1000, 500}, new int[] {1024, 0}, new int[] {256, 100}), 1e-9);
    }

    @Test
    void aPromptInChunksCostsItsAttentionOnceAndTheFixedCostsPerStep() {
        // Attention of chunks 0+512 and 512+512 adds up to the whole 1,024-token prompt's.
        double attention = profile.prefillAttentionMsPerToken2();
        double chunked = truth.mixedMs(new int[0], new int[] {0}, new int[] {512})
                + truth.mixedMs(new int[0], new int[] {512}, new int[] {512});
        double fixedTwice = 2 * (truth.prefillMs(new int[] {512}) - attention * 512 * 512);
        assertEquals(fixedTwice + attention * 1024 * 1024, chunked, 1e-9);
    }

    @Test
    void theSampledMixedStepIsTheExpectationTimesMeanOneNoise() {
        StepTimeSampler exact = new StepTimeSampler(new GroundTruthStepTime(profile.withNoiseSigma(0)), 1);
        int[] d = {700};
        assertEquals(truth.mixedMs(d, new int[] {0}, new int[] {200}), exact.mixedMs(d, new int[] {0}, new int[] {200}));
    }
}
