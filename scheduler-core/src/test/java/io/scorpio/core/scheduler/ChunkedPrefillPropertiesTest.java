package io.scorpio.core.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.Slo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of the chunked-prefill engine over random seeded workloads: each chunked policy, 50 seeds each. A
 * workload has up to 60 requests with prompts up to 6,000 tokens, random SLOs, random aborts (while waiting, running
 * or in flight), and a KV cache small enough to force preemption. After every iteration: the step's tokens (one per
 * decode plus its chunks) fit the token budget; running requests fit max_num_seqs; chunks continue each request's
 * prefill where it stopped; KV blocks add up; under scorpio-chunked a step beyond the minimal chunk stays within the
 * tightest decoding TPOT by its own model; and under the FCFS baselines every running request whose prefill is
 * done decodes in every step unless it was preempted (decodes are never skipped for prompt chunks). At the end every
 * request has ended exactly once and every block is free. A failure names its seed.
 */
class ChunkedPrefillPropertiesTest {

    private static final StepTimeModel DECODE = new StepTimeModel(0.0001, 0.05, 0.001, 12);
    private static final PrefillTimeModel PREFILL = new PrefillTimeModel(200, 15, 0.07, 5);

    /** What the random workloads exercised, over all runs: checked once at the end, so the properties are not vacuous. */
    private static final AtomicInteger PREEMPTED_WHILE_PREFILLING = new AtomicInteger();
    private static final AtomicInteger PARTIAL_CHUNKS = new AtomicInteger();
    private static final AtomicInteger ABORTED_WHILE_A_STEP_RAN = new AtomicInteger();

    @AfterAll
    static void theWorkloadsExerciseTheHardCases() {
        assertTrue(PREEMPTED_WHILE_PREFILLING.get() > 0, "no partially prefilled request was ever preempted");
        assertTrue(PARTIAL_CHUNKS.get() > 0, "no prompt was ever split");
        assertTrue(ABORTED_WHILE_A_STEP_RAN.get() > 0, "no request was aborted while a step ran");
    }

    static Stream<Arguments> runs() {
        return Policy.CHUNKED.stream().flatMap(p -> LongStream.rangeClosed(1, 50).mapToObj(seed -> Arguments.of(p.name(),
                seed)));
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("runs")
    void everyRequestEndsOnceWithinBudgets(String policyName, long seed) {
        Policy policy = Policy.named(policyName);
        SplittableRandom rnd = new SplittableRandom(seed);
        SchedulerConfig config = SchedulerConfig.PAPER.withKvBlocks(300 + rnd.nextInt(1500))
                .withBudgets(1024, 4 + rnd.nextInt(60));
        Scheduler s = new Scheduler(policy, config, DECODE, PREFILL);
        String at = policyName + " seed " + seed + ": ";

        int n = 5 + rnd.nextInt(56);
        List<RequestSpec> specs = new ArrayList<>();
        Map<String, Integer> trueOutput = new HashMap<>();
        double t = 0;
        for (int i = 0; i < n; i++) {
            t += rnd.nextDouble() * 60;
            int prompt = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 6000 : 1200);
            int max = 1 + rnd.nextInt(200);
            Slo slo = new Slo(200 + rnd.nextInt(8000), rnd.nextBoolean() ? 30 : 50);
            int predicted = rnd.nextBoolean() ? 1 + rnd.nextInt(300) : RequestSpec.NO_PREDICTION;
            specs.add(new RequestSpec("r" + i, t, prompt, max, slo, predicted));
            trueOutput.put("r" + i, 1 + rnd.nextInt(max));
        }

        Map<String, Integer> endings = new HashMap<>();
        double now = 0;
        int next = 0;
        int iterations = 0;
        while (next < specs.size() || s.hasWork()) {
            assertTrue(++iterations < 200_000, at + "does not terminate");
            while (next < specs.size() && specs.get(next).arrivalMs() <= now) {
                RequestSpec spec = specs.get(next++);
                if (s.submit(spec, now) instanceof SubmitResult.Refused) {
                    endings.merge(spec.id(), 1, Integer::sum);
                }
            }
            if (!s.hasWork()) {
                now = specs.get(next).arrivalMs();
                continue;
            }
            if (rnd.nextInt(40) == 0) { // abort a random live request between steps
                abortOne(s, specs, rnd, now, endings);
            }
            Set<RequestState> decodeReady = new HashSet<>();
            for (RequestState r : s.admittedInOrder()) {
                if (!r.isPrefilling()) {
                    decodeReady.add(r);
                }
            }
            Set<RequestState> prefilling = new HashSet<>();
            for (RequestState r : s.admittedInOrder()) {
                if (r.isPrefilling()) {
                    prefilling.add(r);
                }
            }
            Iteration it = s.schedule(now);
            for (RequestState r : it.preempted()) {
                if (prefilling.contains(r)) {
                    PREEMPTED_WHILE_PREFILLING.incrementAndGet();
                    assertEquals(0, r.kvBlocks(), at + "a preempted partial prefill keeps blocks");
                    assertFalse(r.isPrefilling(), at + "a preempted partial prefill must start over");
                }
            }
            if (it.step() instanceof StepPlan.Mixed m) {
                PARTIAL_CHUNKS.addAndGet((int) m.chunks().stream().filter(c -> !c.completesPrompt()).count());
            }
            for (Rejection r : it.rejections()) {
                endings.merge(r.request().id(), 1, Integer::sum);
            }
            StepPlan plan = it.step();
            checkPlan(at, s, plan, config, policy, decodeReady, it.preempted());
            if (plan instanceof StepPlan.Idle) {
                if (it.rejections().isEmpty() && it.preempted().isEmpty() && s.hasWork()) {
                    assertTrue(next < specs.size(), at + "idle with live requests and no arrival to come");
                    now = Math.max(now, specs.get(next).arrivalMs());
                }
                continue;
            }
            Set<String> stopped = new HashSet<>();
            for (RequestState r : plan.batch()) {
                if (r.generatedTokens() + 1 >= trueOutput.get(r.id())) {
                    stopped.add(r.id());
                }
            }
            double ms = 5 + 0.02 * tokens(plan) + 0.05 * plan.batch().size();
            if (rnd.nextInt(30) == 0) { // abort while the step is in flight: complete() must skip it
                if (abortOne(s, specs, rnd, now, endings)) {
                    ABORTED_WHILE_A_STEP_RAN.incrementAndGet();
                }
            }
            now += ms;
            StepOutcome out = s.complete(new StepResult(ms, stopped), now);
            for (RequestState r : out.finished()) {
                endings.merge(r.id(), 1, Integer::sum);
            }
            checkKv(at, s);
        }
        for (RequestSpec spec : specs) {
            assertEquals(1, endings.getOrDefault(spec.id(), 0), at + spec.id() + " must end exactly once");
        }
        assertEquals(0, s.liveCount(), at + "live requests left");
        assertEquals(s.totalKvBlocks(), s.freeKvBlocks(), at + "KV blocks leaked");
    }

    private static boolean abortOne(Scheduler s, List<RequestSpec> specs, SplittableRandom rnd, double now,
                                    Map<String, Integer> endings) {
        String id = specs.get(rnd.nextInt(specs.size())).id();
        if (s.abort(id, now)) {
            endings.merge(id, 1, Integer::sum);
            return true;
        }
        return false;
    }

    private static int tokens(StepPlan plan) {
        if (plan instanceof StepPlan.Mixed m) {
            return m.tokens();
        }
        return plan.batch().size();
    }

    private static void checkPlan(String at, Scheduler s, StepPlan plan, SchedulerConfig config, Policy policy,
                                  Set<RequestState> decodeReady, List<RequestState> preempted) {
        int budget = policy.chunkedPrefillBudget();
        assertEquals(budget, s.config().maxNumBatchedTokens(), at + "the policy's budget");
        assertTrue(tokens(plan) <= budget, at + "step of " + tokens(plan) + " tokens over the budget " + budget);
        assertTrue(s.admittedCount() <= config.maxNumSeqs(), at + "max_num_seqs exceeded");
        assertFalse(plan instanceof StepPlan.Prefill, at + "the chunked engine never runs a V0 prefill step");
        List<RequestState> decodes = plan instanceof StepPlan.Mixed m ? m.decodes() : plan.batch();
        for (RequestState r : decodes) {
            assertEquals(RequestState.Phase.RUNNING, r.phase(), at + "decoding " + r);
            assertFalse(r.isPrefilling(), at + "decoding before its prompt is done: " + r);
        }
        if (plan instanceof StepPlan.Mixed m) {
            Set<RequestState> seen = new HashSet<>(decodes);
            for (StepPlan.PrefillChunk c : m.chunks()) {
                RequestState r = c.request();
                assertTrue(seen.add(r), at + "twice in one step: " + r);
                assertEquals(RequestState.Phase.RUNNING, r.phase(), at + "chunk of " + r);
                assertEquals(r.prefillTokens(), c.target(), at + "chunk target of " + r);
                assertEquals(c.target() - r.prefillRemaining(), c.prefix(), at + "chunk continues where it stopped");
                assertTrue(r.kvBlocks() * config.blockSize() >= c.prefix() + c.tokens(), at + "KV for the chunk " + r);
            }
        }
        if (policy.tpotAdmission() && plan instanceof StepPlan.Mixed m && !m.decodes().isEmpty() && preempted.isEmpty()
                && m.chunkTokens() > Scheduler.MIN_CHUNK_TOKENS) {
            // scorpio-chunked: above the minimal chunk, the step priced by its own model stays within the tightest
            // TPOT of the requests decoding (chunks priced from scratch, n^2 pairs, as the budget is solved).
            double tMin = decodeReady.stream().mapToDouble(RequestState::tpotSloMs).min().orElseThrow();
            int n = m.chunkTokens();
            double stepMs = s.mixedModel().stepMs(m.decodes().size(), m.meanLength(), n, (double) n * n);
            assertTrue(stepMs * s.config().chunkedGamma() <= s.config().admissionHeadroom() * tMin + 1e-9,
                    at + "a step of " + stepMs + " ms over the tightest decoding TPOT " + tMin);
        }
        if (!policy.credits()) {
            // vllm-v1, sarathi: with max_num_seqs below the budget, every running decode runs every step.
            for (RequestState r : decodeReady) {
                if (r.phase() == RequestState.Phase.RUNNING && !preempted.contains(r)) {
                    assertTrue(decodes.contains(r), at + "decode of " + r + " skipped");
                }
            }
        }
    }

    private static void checkKv(String at, Scheduler s) {
        int held = 0;
        for (RequestState r : s.admittedInOrder()) {
            held += r.kvBlocks();
        }
        for (RequestState r : s.waitingInOrder()) {
            assertEquals(0, r.kvBlocks(), at + "a waiting request holds blocks: " + r);
        }
        assertEquals(s.totalKvBlocks(), s.freeKvBlocks() + held, at + "KV blocks do not add up");
    }
}
