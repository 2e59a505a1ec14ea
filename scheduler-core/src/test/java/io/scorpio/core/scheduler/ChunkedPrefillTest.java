package io.scorpio.core.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.model.MixedStepModel;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.GuardOptions;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.QueueOrder;
import io.scorpio.core.policy.RejectionRule;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.Slo;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The chunked-prefill engine (vLLM V1's scheduler) on scenarios worked by hand (scorpio-chunked's with a mixed-step model of round numbers). The tests drive the scheduler one
 * iteration at a time and every step takes 10 ms, so a step that starts at t ends at t + 10. A chunk is written
 * {@code id:prefix+tokens/target}.
 */
class ChunkedPrefillTest {

    private static final StepTimeModel DECODE = new StepTimeModel(0, 2, 0, 8);
    private static final PrefillTimeModel PREFILL = new PrefillTimeModel(1000, 20, 0, 20);
    private static final Slo LOOSE = new Slo(60_000, 1_000);

    /** vllm-v1's rules with a 512-token budget, so that the arithmetic stays small. */
    private static final Policy V1_512 =
            new Policy("v1-512", QueueOrder.ARRIVAL, RejectionRule.NONE, false, false, false, 512);

    @Test
    @DisplayName("a 5,000-token prompt under vllm-v1 (budget 2,048) takes three steps; its first token ends the third")
    void longPromptSplitOverSteps() {
        Harness h = new Harness(Policy.VLLM_V1, SchedulerConfig.PAPER);
        h.submit("A", 5000, 3);
        assertEquals("chunks [A:0+2048/5000] decodes [] tokens []", h.step());   // t=0..10
        assertEquals("chunks [A:2048+2048/5000] decodes [] tokens []", h.step()); // t=10..20
        assertTrue(h.s.find("A").isPrefilling());
        assertFalse(h.s.find("A").hasFirstToken());
        assertEquals("chunks [A:4096+904/5000] decodes [] tokens [A]", h.step()); // t=20..30: the prompt is done
        assertEquals(30.0, h.s.find("A").firstTokenMs(), "TTFT at the end of the step that completes the prompt");
        assertEquals("decode [A]", h.step());
        assertEquals("decode [A] finished [A]", h.step());
        h.assertDrained();
    }

    @Test
    @DisplayName("without chunked prefill the same 5,000-token prompt is refused at once (spec 5)")
    void theV0EngineStillRefusesLongPrompts() {
        Scheduler s = new Scheduler(Policy.VLLM, SchedulerConfig.PAPER, DECODE, PREFILL);
        assertInstanceOf(SubmitResult.Refused.class,
                s.submit(new RequestSpec("A", 0, 5000, 3, LOOSE, RequestSpec.NO_PREDICTION), 0));
        Scheduler v1 = new Scheduler(Policy.VLLM_V1, SchedulerConfig.PAPER, DECODE, PREFILL);
        assertInstanceOf(SubmitResult.Queued.class,
                v1.submit(new RequestSpec("A", 0, 5000, 3, LOOSE, RequestSpec.NO_PREDICTION), 0));
        assertEquals(2048, v1.config().maxNumBatchedTokens());
        assertTrue(v1.config().chunkedPrefill());
    }

    @Test
    @DisplayName("decodes of running requests go first; the prompt chunk gets what is left of the budget")
    void decodesFirst() {
        Harness h = new Harness(V1_512, SchedulerConfig.PAPER);
        h.submit("A", 100, 5);
        h.submit("B", 100, 5);
        assertEquals("chunks [A:0+100/100 B:0+100/100] decodes [] tokens [A B]", h.step());
        h.submit("C", 1000, 2);
        // 2 decode tokens, so 510 for C's prompt
        assertEquals("chunks [C:0+510/1000] decodes [A B] tokens [A B]", h.step());
        assertEquals("chunks [C:510+490/1000] decodes [A B] tokens [A B C]", h.step());
    }

    @Test
    @DisplayName("a partial prefill continues before any waiting request starts")
    void partialPrefillContinuesFirst() {
        Harness h = new Harness(V1_512, SchedulerConfig.PAPER);
        h.submit("A", 700, 2);
        h.submit("B", 100, 2);
        assertEquals("chunks [A:0+512/700] decodes [] tokens []", h.step());
        // A's 188 remaining tokens, then B's whole prompt: 288 <= 512
        assertEquals("chunks [A:512+188/700 B:0+100/100] decodes [] tokens [A B]", h.step());
        assertEquals("decode [A B] finished [A B]", h.step());
        h.assertDrained();
    }

    @Test
    @DisplayName("preempting a partially prefilled request frees its blocks; it starts its prefill again later")
    void preemptionOfAPartialPrefill() {
        // 100 blocks of 16 tokens, no watermark: A (512 tokens, 32 blocks) and B (1,100 tokens, 69 blocks) cannot
        // both be resident once A's decode has taken its 33rd block.
        Harness h = new Harness(V1_512, SchedulerConfig.PAPER.withKvBlocks(100).withWatermark(0));
        h.submit("A", 512, 5);
        h.submit("B", 1100, 1);
        assertEquals("chunks [A:0+512/512] decodes [] tokens [A]", h.step());           // A: 32 blocks
        assertEquals("chunks [B:0+511/1100] decodes [A] tokens [A]", h.step());         // A 33, B 32: 35 free
        assertEquals("chunks [B:511+511/1100] decodes [A] tokens [A]", h.step());       // B 64: 3 free
        // B's last 78 tokens need 5 more blocks; only 3 are free: B, the most recently admitted, is preempted.
        Iteration it = h.s.schedule(h.now);
        assertEquals(List.of("B"), it.preempted().stream().map(RequestState::id).toList());
        RequestState b = h.s.find("B");
        assertEquals(RequestState.Phase.WAITING, b.phase());
        assertEquals(0, b.kvBlocks());
        assertFalse(b.isPrefilling());
        assertEquals(100 - 33, h.s.freeKvBlocks(), "all of B's 64 blocks are free again");
        // A step that preempted admits nobody (as vLLM V1): A decodes alone.
        assertEquals("decode [A]", h.describe(it.step()));
        h.complete(it);
        assertEquals("chunks [B:0+511/1100] decodes [A] tokens [A] finished [A]", h.step()); // B starts over
        assertEquals("chunks [B:511+512/1100] decodes [] tokens []", h.step()); // A is gone: all 512
        assertEquals("chunks [B:1023+77/1100] decodes [] tokens [B] finished [B]", h.step());
        h.assertDrained();
    }

    @Test
    @DisplayName("max_num_seqs bounds the running requests, partial prefills included")
    void maxNumSeqs() {
        Harness h = new Harness(V1_512, SchedulerConfig.PAPER.withBudgets(1024, 2));
        h.submit("A", 10, 2);
        h.submit("B", 10, 1);
        h.submit("C", 10, 1);
        assertEquals("chunks [A:0+10/10 B:0+10/10] decodes [] tokens [A B] finished [B]", h.step());
        assertEquals("chunks [C:0+10/10] decodes [A] tokens [A C] finished [A C]", h.step());
        h.assertDrained();
    }

    @Test
    @DisplayName("scorpio-chunked sizes the chunk so that the step stays within the tightest decoding TPOT")
    void scorpioChunkBudget() {
        // mixed(B, L, n, A) = 2B + 8 + 0.03n. With a 30 ms TPOT decoding, the chunked engine's gamma 1.1 and headroom
        // 0.99 a step may take 0.99 * 30 / 1.1 = 27 ms: one decode costs 10 ms, which leaves 17 / 0.03 = 566.7, so 566.
        MixedStepModel mixed = new MixedStepModel(0, 2, 0, 8, 0.03, 0);
        Harness h = new Harness(Policy.SCORPIO_CHUNKED, SchedulerConfig.PAPER, mixed);
        h.submit("A", 100, 10, new Slo(10_000, 30));
        assertEquals("chunks [A:0+100/100] decodes [] tokens [A]", h.step()); // nothing decodes: no limit
        h.submit("B", 1000, 2, new Slo(10_000, 50));
        assertEquals("chunks [B:0+566/1000] decodes [A] tokens [A]", h.step());
        assertEquals("chunks [B:566+434/1000] decodes [A] tokens [A B]", h.step());
        assertEquals(566, h.s.tpotChunkBudget(1, 100, 30));
        assertEquals(2047, h.s.tpotChunkBudget(1, 100, Double.POSITIVE_INFINITY));
        // A 60-deep decode batch leaves less than the minimal chunk: the budget stays at 64 tokens.
        assertEquals(Scheduler.MIN_CHUNK_TOKENS, h.s.tpotChunkBudget(60, 100, 30));
        // Under the paper's gamma of 1.3 the step may take 22.846 ms: 12.846 / 0.03 = 428.2, so 428 tokens.
        Harness paperGamma = new Harness(Policy.SCORPIO_CHUNKED, SchedulerConfig.PAPER.withChunkedGamma(1.3), mixed);
        assertEquals(428, paperGamma.s.tpotChunkBudget(1, 100, 30));
    }

    @Test
    @DisplayName("scorpio-chunked: credits skip a decode only when all decodes would make the step too slow")
    void workConservingCredits() {
        // A (TPOT 30) and B (TPOT 60, TRP 0.5). Two decodes and a 64-token chunk cost 2*2 + 8 + 1.92 = 13.92 ms, well
        // within 27 ms, so B decodes in every step although its credits alone would skip every other one.
        MixedStepModel mixed = new MixedStepModel(0, 2, 0, 8, 0.03, 0);
        Harness h = new Harness(Policy.SCORPIO_CHUNKED, SchedulerConfig.PAPER, mixed);
        h.submit("A", 10, 5, new Slo(10_000, 30));
        h.submit("B", 10, 5, new Slo(10_000, 60));
        assertEquals("chunks [A:0+10/10 B:0+10/10] decodes [] tokens [A B]", h.step());
        assertEquals("decode [A B]", h.step());
        assertEquals("decode [A B]", h.step());
        // With 8 ms per decode and gamma 1.3, admission takes B (VBS' = 1.5: (12 + 8 + 1.92) * 1.3 = 28.5 < 29.7), but
        // both decoding with the chunk, (16 + 8 + 1.92) * 1.3 = 33.7, do not fit: credits apply, B every other step.
        // Its credit starts at 1 - TRP = 0.5 when its prompt completes, so that it runs in its first decode step.
        MixedStepModel slow = new MixedStepModel(0, 8, 0, 8, 0.03, 0);
        Harness k = new Harness(Policy.SCORPIO_CHUNKED, SchedulerConfig.PAPER.withChunkedGamma(1.3), slow);
        k.submit("A", 10, 5, new Slo(10_000, 30));
        k.submit("B", 10, 5, new Slo(10_000, 60));
        assertEquals("chunks [A:0+10/10 B:0+10/10] decodes [] tokens [A B]", k.step());
        assertEquals("decode [A B]", k.step()); // B's credit 0.5 + 0.5 = 1: runs, 0 left
        assertEquals("decode [A]", k.step());   // 0.5
        assertEquals("decode [A B]", k.step()); // 1: runs
    }

    @Test
    @DisplayName("scorpio-chunked's TTFT Guard prices the queue's drain in steps of the chunk budget")
    void ttftRejectionPricesChunkedSteps() {
        // mixed = 2B + 8 + 0.03n. A (TPOT 30) decodes, so a step may carry 566 prompt tokens (see above) and takes
        // 2 + 8 + 0.03 * 566 = 26.98 ms. B and C, 3,000 tokens each, need ceil(3000 / 566) = 6 such steps: 161.88 ms.
        // B's slack of 200 ms is under 161.88 + 50: rejected, its tokens leave the sum; C's 500 ms is enough. The V0
        // prefill model (20 ms for any prefill here) would have let B wait for a TTFT it cannot get.
        MixedStepModel mixed = new MixedStepModel(0, 2, 0, 8, 0.03, 0);
        Harness h = new Harness(Policy.SCORPIO_CHUNKED, SchedulerConfig.PAPER, mixed);
        h.submit("A", 100, 50, new Slo(10_000, 30));
        assertEquals("chunks [A:0+100/100] decodes [] tokens [A]", h.step()); // t = 0..10
        h.submit("B", 3000, 5, new Slo(200, 50));
        h.submit("C", 3000, 5, new Slo(500, 50));
        Iteration it = h.s.schedule(h.now);
        assertEquals(List.of("B"), it.rejections().stream().map(r -> r.request().id()).toList());
        assertTrue(it.rejections().get(0).message().contains("minimal TTFT 162 ms"), it.rejections().get(0).message());
        assertEquals("chunks [C:0+566/3000] decodes [A] tokens [A]", h.describe(it.step()));
    }

    /** Drives one scheduler by hand: every step takes 10 ms; requests end at their max_tokens. */
    private static final class Harness {
        final Scheduler s;
        double now;

        Harness(Policy policy, SchedulerConfig config) {
            this(policy, config, null);
        }

        Harness(Policy policy, SchedulerConfig config, MixedStepModel mixed) {
            s = new Scheduler(policy, config, GuardOptions.NONE, DECODE, PREFILL, mixed);
        }

        void submit(String id, int prompt, int output) {
            submit(id, prompt, output, LOOSE);
        }

        void submit(String id, int prompt, int output, Slo slo) {
            assertInstanceOf(SubmitResult.Queued.class,
                    s.submit(new RequestSpec(id, now, prompt, output, slo, RequestSpec.NO_PREDICTION), now));
        }

        /** Schedules, runs and completes one step; describes the plan and who finished. */
        String step() {
            Iteration it = s.schedule(now);
            assertTrue(it.preempted().isEmpty(), "unexpected preemption");
            return describe(it.step()) + complete(it);
        }

        String complete(Iteration it) {
            now += 10;
            StepOutcome out = s.complete(StepResult.of(10), now);
            return out.finished().isEmpty() ? "" : " finished " + ids(out.finished());
        }

        String describe(StepPlan plan) {
            if (plan instanceof StepPlan.Mixed m) {
                return "chunks " + m.chunks().stream()
                        .map(c -> c.request().id() + ":" + c.prefix() + "+" + c.tokens() + "/" + c.target())
                        .collect(Collectors.joining(" ", "[", "]"))
                        + " decodes " + ids(m.decodes()) + " tokens " + ids(m.batch());
            }
            if (plan instanceof StepPlan.Decode d) {
                return "decode " + ids(d.batch());
            }
            return plan.getClass().getSimpleName();
        }

        void assertDrained() {
            assertFalse(s.hasWork());
            assertEquals(s.totalKvBlocks(), s.freeKvBlocks());
        }

        private static String ids(List<RequestState> rs) {
            return rs.stream().map(RequestState::id).collect(Collectors.joining(" ", "[", "]"));
        }
    }
}
