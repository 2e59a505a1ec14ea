package io.scorpio.core.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.scorpio.core.policy.GuardOptions;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A worker that fails at random under random workloads, every policy: the requests of a failed step without a
 * token are requeued, the others end (as the service's guard does), and while the worker is "down" the rejection
 * pass runs alone. Every rule of {@link SchedulerProperties.Checker} must still hold after every change, and a
 * failed prefill must give back exactly what it took.
 *
 * <p>As in {@link SchedulerProperties}, QuickTheories draws the policy and the seed of a whole run; a failure names
 * both, and {@code aFailedStepGivesBackWhatItsRequestsHeldAndEveryRuleStillHolds(Policy.named(name), seed)} replays
 * it.
 */
class RequeueProperties {

    @Test
    void aFailedStepGivesBackWhatItsRequestsHeldAndEveryRuleStillHolds() {
        qt().withFixedSeed(107).withExamples(300)
                .forAll(SchedulerProperties.POLICIES, longs().all())
                .checkAssert(RequeueProperties::aFailedStepGivesBackWhatItsRequestsHeldAndEveryRuleStillHolds);
    }

    /** One run: a random engine configuration, workload and failure rate, all drawn from {@code seed}. */
    static void aFailedStepGivesBackWhatItsRequestsHeldAndEveryRuleStillHolds(Policy policy, long seed) {
        Random rnd = new Random(seed);
        SchedulerConfig config = SchedulerConfig.PAPER
                .withKvBlocks(40 + rnd.nextInt(400))
                .withBudgets(256 + rnd.nextInt(800), 4 + rnd.nextInt(64))
                .withStarvationLimitMs(5_000 + rnd.nextInt(20_000));
        SchedulerProperties.Workload w = SchedulerProperties.Workload.random(rnd, 1 + rnd.nextInt(60));
        GuardOptions options = GuardOptions.NONE.withBestEffort(rnd.nextInt(3) == 0);
        Scheduler s = new Scheduler(policy, config, options, SchedulerProperties.STEP, SchedulerProperties.PREFILL);
        SchedulerProperties.Checker checker = new SchedulerProperties.Checker(s, policy, config);
        int failEvery = 2 + rnd.nextInt(6);

        double now = 0;
        int next = 0;
        int iterations = 0;
        while (next < w.specs().size() || s.hasWork()) {
            assertTrue(++iterations < 200_000, "the run must end: no request may wait for ever");
            while (next < w.specs().size() && w.specs().get(next).arrivalMs() <= now) {
                RequestSpec spec = w.specs().get(next++);
                if (s.submit(spec, now) instanceof SubmitResult.Refused) {
                    checker.ended(spec.id());
                }
            }
            int freeBefore = s.freeKvBlocks();
            double vbsBefore = s.virtualBatchSize();
            List<String> admittedBefore = ids(s.admittedInOrder());
            SchedulerProperties.Snapshot before = new SchedulerProperties.Snapshot(s);
            Iteration it = s.schedule(now);
            checker.checkIteration(before, it, now);
            StepPlan step = it.step();
            if (step instanceof StepPlan.Idle) {
                if (next < w.specs().size()) {
                    now = Math.max(now, w.specs().get(next).arrivalMs());
                }
                continue;
            }
            if (rnd.nextInt(failEvery) != 0) {
                StepResult result = w.worker().run(step);
                now += result.durationMs();
                for (RequestState r : s.complete(result, now).finished()) {
                    checker.ended(r.id());
                }
                checker.checkState();
                continue;
            }
            // The worker dies under this step.
            now += rnd.nextInt(50);
            for (RequestState r : step.batch()) {
                boolean hadToken = r.hasFirstToken();
                if (s.requeue(r.id(), now)) {
                    assertFalse(hadToken, "requeued a request that had a token: " + r);
                    assertEquals(RequestState.Phase.WAITING, r.phase());
                    assertEquals(0, r.kvBlocks(), "its KV blocks are free");
                } else {
                    assertTrue(hadToken, "refused to requeue a request without a token: " + r);
                    assertTrue(s.abort(r.id(), now));
                    checker.ended(r.id());
                }
                checker.checkState();
            }
            StepOutcome outcome = s.complete(StepResult.of(0), now);
            assertTrue(outcome.advanced().isEmpty(), "no request of a failed step gets a token");
            checker.checkState();
            if (step instanceof StepPlan.Prefill) {
                // Admission only took from the waiting queue; the failure gave it all back.
                assertEquals(freeBefore, s.freeKvBlocks(), "KV blocks of the failed prefill are back");
                assertEquals(admittedBefore, ids(s.admittedInOrder()));
                assertEquals(vbsBefore, s.virtualBatchSize(), 1e-9, "VBS is back where it was");
            }
            // While the worker is down, only the rejection pass runs.
            int down = rnd.nextInt(4);
            for (int i = 0; i < down; i++) {
                now += 1 + rnd.nextInt(300);
                SchedulerProperties.Snapshot idle = new SchedulerProperties.Snapshot(s);
                Iteration pass = s.rejectUnattainable(now);
                assertTrue(pass.step() instanceof StepPlan.Idle && pass.preempted().isEmpty());
                checker.checkIteration(idle, pass, now);
                checker.checkState();
            }
        }
        assertEquals(0, s.liveCount());
        assertEquals(s.totalKvBlocks(), s.freeKvBlocks(), "every KV block is free at the end");
        assertEquals(w.specs().size(), checker.ended.size(), "every request ended exactly once");
        assertEquals(0.0, s.virtualBatchSize());
    }

    private static List<String> ids(List<RequestState> rs) {
        List<String> out = new ArrayList<>(rs.size());
        rs.forEach(r -> out.add(r.id()));
        return out;
    }
}
