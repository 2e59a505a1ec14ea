package io.scorpio.core.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.longs;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.GuardOptions;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.QueueOrder;
import io.scorpio.core.policy.RejectionRule;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.SloClass;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The paper's claims about the scheduler as properties over random workloads, every policy, random
 * aborts and a KV cache small enough to force preemption. Each run is checked after every iteration
 * against an independent re-computation of the spec's rules from a snapshot taken just before it.
 *
 * <p>A run is a whole simulation driven by one {@link Random} seed, so QuickTheories draws only the policy and
 * the seed. A failure names both; {@code everyRuleHoldsAfterEveryIteration(Policy.named(name), seed)} replays it.
 */
class SchedulerProperties {

    static final StepTimeModel STEP = new StepTimeModel(2e-5, 0.12, 0.002, 9);
    static final PrefillTimeModel PREFILL = new PrefillTimeModel(100, 14, 0.055, 9);

    /** Every policy; reported by name, so that a failing run names its policy in one word. */
    static final Gen<Policy> POLICIES = arbitrary().pick(Policy.ALL).describedAs(Policy::name);

    @Test
    void everyRuleHoldsAfterEveryIteration() {
        qt().withFixedSeed(106).withExamples(500)
                .forAll(POLICIES, longs().all())
                .checkAssert(SchedulerProperties::everyRuleHoldsAfterEveryIteration);
    }

    /** One run: a random engine configuration, options and workload, all drawn from {@code seed}. */
    static void everyRuleHoldsAfterEveryIteration(Policy policy, long seed) {
        Random rnd = new Random(seed);
        SchedulerConfig config = SchedulerConfig.PAPER
                .withKvBlocks(40 + rnd.nextInt(400))
                .withBudgets(256 + rnd.nextInt(800), 4 + rnd.nextInt(64))
                .withStarvationLimitMs(5_000 + rnd.nextInt(20_000));
        Workload w = Workload.random(rnd, 1 + rnd.nextInt(80));
        // The options beyond the paper are switched on at random: every rule must hold with them too.
        GuardOptions options = GuardOptions.NONE.withBestEffort(rnd.nextInt(3) == 0)
                .withLowLoadFallback(rnd.nextInt(3) == 0)
                .withPrefillAware(rnd.nextInt(3) == 0, false);
        Scheduler s = new Scheduler(policy, config, options, STEP, PREFILL);
        Checker checker = new Checker(s, policy, config);

        double now = 0;
        int next = 0;
        int iterations = 0;
        while (next < w.specs.size() || s.hasWork()) {
            assertTrue(++iterations < 200_000, "the run must end: no request may wait for ever");
            while (next < w.specs.size() && w.specs.get(next).arrivalMs() <= now) {
                RequestSpec spec = w.specs.get(next++);
                if (s.submit(spec, now) instanceof SubmitResult.Refused refused) {
                    checker.ended(spec.id());
                    assertTrue(spec.promptTokens() > config.maxNumBatchedTokens()
                            || refused.reason() == io.scorpio.model.RejectReason.KV_CAPACITY_EXCEEDED);
                }
            }
            List<RequestState> live = new ArrayList<>(s.waitingInOrder());
            live.addAll(s.admittedInOrder());
            if (rnd.nextInt(40) == 0 && !live.isEmpty()) {
                RequestState victim = live.get(rnd.nextInt(live.size()));
                assertTrue(s.abort(victim.id(), now));
                assertEquals(RequestState.Phase.ABORTED, victim.phase());
                checker.ended(victim.id());
                checker.checkState();
            }
            Snapshot before = new Snapshot(s);
            Iteration it = s.schedule(now);
            checker.checkIteration(before, it, now);
            checker.checkState();
            StepPlan step = it.step();
            if (step instanceof StepPlan.Idle) {
                if (next < w.specs.size()) {
                    now = Math.max(now, w.specs.get(next).arrivalMs());
                }
                continue;
            }
            StepResult result = w.worker.run(step);
            now += result.durationMs();
            StepOutcome outcome = s.complete(result, now);
            for (RequestState r : outcome.finished()) {
                assertEquals(RequestState.Phase.FINISHED, r.phase());
                checker.ended(r.id());
            }
            checker.checkState();
        }
        assertEquals(0, s.liveCount());
        assertEquals(s.totalKvBlocks(), s.freeKvBlocks(), "every KV block is free at the end");
        assertEquals(w.specs.size(), checker.ended.size(), "every request ended exactly once");
        assertEquals(0.0, s.virtualBatchSize());
    }

    /** The scheduler's visible state before an iteration. */
    record Snapshot(List<RequestState> waiting, List<RequestState> admitted, long[] admittedLengths) {
        Snapshot(Scheduler s) {
            this(s.waitingInOrder(), s.admittedInOrder(), lengths(s.admittedInOrder()));
        }

        static long[] lengths(List<RequestState> rs) {
            return rs.stream().mapToLong(RequestState::currentLength).toArray();
        }
    }

    static final class Checker {
        final Scheduler s;
        final Policy policy;
        final SchedulerConfig config;
        final Set<String> ended = new HashSet<>();

        Checker(Scheduler s, Policy policy, SchedulerConfig config) {
            this.s = s;
            this.policy = policy;
            this.config = config;
        }

        void ended(String id) {
            assertTrue(ended.add(id), "request " + id + " ended twice");
        }

        /** Invariants that hold between iterations. */
        void checkState() {
            List<RequestState> admitted = s.admittedInOrder();
            // The admitted set is exact: only running, live requests, each once.
            Set<String> ids = new HashSet<>();
            double tMin = Double.POSITIVE_INFINITY;
            for (RequestState r : admitted) {
                assertEquals(RequestState.Phase.RUNNING, r.phase(), "admitted set holds " + r);
                assertTrue(ids.add(r.id()), "admitted twice: " + r);
                assertFalse(ended.contains(r.id()));
                tMin = Math.min(tMin, r.tpotSloMs());
            }
            // VBS is the sum of TRP over the admitted set.
            double vbs = 0;
            for (RequestState r : admitted) {
                vbs += tMin / r.tpotSloMs();
            }
            assertEquals(admitted.isEmpty() ? 0 : vbs, s.virtualBatchSize(), 1e-9);
            assertTrue(admitted.size() <= config.maxNumSeqs(), "sequence budget exceeded");
            // KV accounting: held blocks add up, nobody overdraws, every running token has a slot.
            long held = 0;
            for (RequestState r : admitted) {
                held += r.kvBlocks();
                assertTrue((long) r.kvBlocks() * config.blockSize() >= r.currentLength() - 1,
                        "KV blocks too few for " + r);
            }
            assertTrue(s.freeKvBlocks() >= 0);
            assertEquals(config.kvBlocks() - s.freeKvBlocks(), held, "KV blocks leaked");
            // The waiting queue holds only waiting requests, in the policy's order.
            List<RequestState> waiting = s.waitingInOrder();
            for (RequestState r : waiting) {
                assertEquals(RequestState.Phase.WAITING, r.phase());
                assertEquals(0, r.kvBlocks());
            }
            for (int i = 1; i < waiting.size(); i++) {
                RequestState a = waiting.get(i - 1);
                RequestState b = waiting.get(i);
                if (policy.order() == QueueOrder.DEADLINE) {
                    assertTrue(a.deadlineMs() < b.deadlineMs()
                            || a.deadlineMs() == b.deadlineMs() && a.arrivalSeq() < b.arrivalSeq(), "not LDF order");
                } else if (policy.order() == QueueOrder.ARRIVAL) {
                    assertTrue(a.spec().arrivalMs() <= b.spec().arrivalMs(), "not FCFS order");
                }
            }
            assertEquals(waiting.size() + admitted.size() + s.bestEffortCount(), s.liveCount(),
                    "a live request is nowhere");
        }

        /** The rules of one iteration, recomputed from the snapshot taken before it. */
        void checkIteration(Snapshot before, Iteration it, double now) {
            if (policy.rejection() == RejectionRule.UNATTAINABLE_TTFT) {
                Set<String> expected = new HashSet<>();
                long sum = 0;
                for (RequestState r : before.waiting()) {
                    sum += r.prefillTokens();
                    if (!r.hasFirstToken()
                            && r.deadlineMs() - now < PREFILL.prefillMs(sum) + config.rejectionMarginMs()) {
                        expected.add(r.id());
                        sum -= r.prefillTokens();
                    }
                }
                Set<String> actual = new HashSet<>();
                // Best effort: the pass's rejections wait at low priority instead; those that wait past the
                // starvation limit are rejected by another rule.
                it.rejections().stream().filter(rej -> !rej.request().isBestEffort())
                        .forEach(rej -> actual.add(rej.request().id()));
                it.demoted().forEach(r -> actual.add(r.id()));
                assertEquals(expected, actual, "rejected exactly when slack < minimal TTFT + margin");
            }
            if (policy.rejection() == RejectionRule.NONE) {
                assertTrue(it.rejections().isEmpty() && it.demoted().isEmpty());
            }
            if (!s.options().bestEffort()) {
                assertTrue(it.demoted().isEmpty());
            }
            for (Rejection rej : it.rejections()) {
                assertFalse(rej.request().hasFirstToken(), "a request with tokens was rejected");
                ended(rej.request().id());
            }
            if (it.step() instanceof StepPlan.Prefill prefill) {
                checkPrefill(before, prefill);
            } else if (it.step() instanceof StepPlan.Decode decode) {
                assertTrue(decode.batch().size() <= config.maxNumSeqs());
                if (!policy.credits() || s.lightLoadMode()) {
                    assertEquals(s.admittedCount(), decode.batch().size(), "without credits everyone decodes");
                }
            }
        }

        private void checkPrefill(Snapshot before, StepPlan.Prefill prefill) {
            int tokens = prefill.batch().stream().mapToInt(RequestState::prefillTokens).sum();
            assertEquals(tokens, prefill.tokens());
            boolean recomputeAlone = prefill.batch().size() == 1 && prefill.batch().get(0).hasFirstToken();
            assertTrue(tokens <= config.maxNumBatchedTokens() || recomputeAlone, "token budget exceeded");
            if (!policy.tpotAdmission() || s.lightLoadMode()) {
                return; // under light load (GuardOptions.lowLoadFallback) the TPOT Guard is set aside
            }
            // Admission never lets step(VBS', I + O/2) * gamma reach 0.99 T_min' (an empty engine excepted).
            List<Double> tpots = new ArrayList<>();
            before.admitted().forEach(r -> tpots.add(r.tpotSloMs()));
            long lengthSum = 0;
            for (long l : before.admittedLengths()) {
                lengthSum += l;
            }
            for (RequestState c : prefill.batch()) {
                if (!tpots.isEmpty()) {
                    double tMin = Math.min(c.tpotSloMs(), tpots.stream().mapToDouble(d -> d).min().orElseThrow());
                    double vbs = tMin / c.tpotSloMs();
                    for (double t : tpots) {
                        vbs += tMin / t;
                    }
                    double meanLength = (lengthSum + (double) c.currentLength()) / (tpots.size() + 1);
                    int o = c.spec().hasPrediction() ? c.spec().predictedOutputTokens() : c.spec().maxTokens();
                    double predicted = STEP.stepMs(vbs, meanLength + o / 2.0);
                    assertTrue(predicted * config.gamma() < config.admissionHeadroom() * tMin,
                            "admitted " + c.id() + " with predicted step " + predicted + " at T_min " + tMin);
                }
                tpots.add(c.tpotSloMs());
                lengthSum += c.currentLength();
            }
        }
    }

    /** A random workload with its true output lengths and a worker that follows them. */
    record Workload(List<RequestSpec> specs, ScriptedWorker worker) {
        static Workload random(Random rnd, int n) {
            List<RequestSpec> specs = new ArrayList<>();
            Map<String, Integer> outputs = new HashMap<>();
            double t = 0;
            double meanGap = 5 + rnd.nextInt(200);
            for (int i = 0; i < n; i++) {
                t += -Math.log(1 - rnd.nextDouble()) * meanGap;
                int prompt = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 1200 : 400);
                int output = 1 + rnd.nextInt(rnd.nextInt(5) == 0 ? 400 : 60);
                int maxTokens = rnd.nextBoolean() ? output : output + rnd.nextInt(200);
                int predicted = rnd.nextInt(4) == 0 ? RequestSpec.NO_PREDICTION
                        : Math.max(0, output + (int) (rnd.nextGaussian() * 40));
                SloClass cls = SloClass.LLAMA_3_1_8B.get(rnd.nextInt(SloClass.LLAMA_3_1_8B.size()));
                var slo = rnd.nextInt(6) == 0
                        ? new io.scorpio.model.Slo(50 + rnd.nextInt(5000), 5 + rnd.nextInt(100)) : cls.slo();
                String id = "r" + i;
                specs.add(new RequestSpec(id, t, prompt, maxTokens, slo, predicted));
                outputs.put(id, output);
            }
            // The worker's real step times differ from the guard's model, as a real GPU's would.
            StepTimeModel realStep = new StepTimeModel(3e-5, 0.1, 0.003, 8 + rnd.nextInt(6));
            PrefillTimeModel realPrefill = new PrefillTimeModel(80, 12 + rnd.nextInt(5), 0.06, 7);
            return new Workload(specs, new ScriptedWorker(realStep, realPrefill, outputs));
        }
    }
}
