package io.scorpio.core.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.RejectReason;
import io.scorpio.model.Slo;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How requests end, and that nothing they held outlives them. */
class SchedulerLifecycleTest {

    private static Scheduler scheduler(Policy policy, SchedulerConfig config) {
        return new Scheduler(policy, config, Scenario.DECODE, Scenario.PREFILL);
    }

    private static RequestSpec spec(String id, double arrival, int prompt, int maxTokens, double ttft, double tpot) {
        return new RequestSpec(id, arrival, prompt, maxTokens, new Slo(ttft, tpot));
    }

    @Test
    @DisplayName("aborting a waiting request takes it out of the queue")
    void abortWaiting() {
        Scheduler s = scheduler(Policy.SCORPIO, SchedulerConfig.PAPER);
        s.submit(spec("a", 0, 10, 5, 1000, 50), 0);
        assertTrue(s.abort("a", 1));
        assertEquals(0, s.waitingCount());
        assertEquals(0, s.liveCount());
        assertFalse(s.abort("a", 2), "an ended request cannot be aborted again");
        assertInstanceOf(StepPlan.Idle.class, s.schedule(3).step());
    }

    @Test
    @DisplayName("aborting a running request frees its KV blocks and leaves the admitted set exact")
    void abortRunning() {
        Scheduler s = scheduler(Policy.SCORPIO, SchedulerConfig.PAPER);
        s.submit(spec("a", 0, 40, 5, 1000, 30), 0);
        s.submit(spec("b", 0, 40, 5, 1000, 50), 0);
        s.schedule(0);
        s.complete(StepResult.of(20), 20);
        assertEquals(2, s.admittedCount());
        assertEquals(1 + 30.0 / 50, s.virtualBatchSize(), 1e-12);
        assertTrue(s.abort("a", 21));
        assertEquals(1, s.admittedCount());
        assertEquals(1.0, s.virtualBatchSize(), 1e-12, "T_min is now b's own TPOT");
        assertEquals(50.0, s.tMinMs());
        assertEquals(SchedulerConfig.PAPER.kvBlocks() - 3, s.freeKvBlocks(), "b holds ceil(41/16) blocks after its slot");
    }

    @Test
    @DisplayName("a request aborted while its step runs is skipped when the step completes")
    void abortInFlight() {
        Scheduler s = scheduler(Policy.VLLM, SchedulerConfig.PAPER);
        s.submit(spec("a", 0, 10, 5, 1000, 50), 0);
        s.submit(spec("b", 0, 10, 5, 1000, 50), 0);
        StepPlan step = s.schedule(0).step();
        assertEquals(2, step.batch().size());
        s.abort("a", 5);
        StepOutcome outcome = s.complete(StepResult.of(20), 20);
        assertEquals(List.of("b"), outcome.advanced().stream().map(RequestState::id).toList());
        assertEquals(SchedulerConfig.PAPER.kvBlocks() - 1, s.freeKvBlocks());
    }

    @Test
    @DisplayName("a worker's stop and max_tokens both finish a request; the first token's time is kept")
    void finishing() {
        Scheduler s = scheduler(Policy.VLLM, SchedulerConfig.PAPER);
        s.submit(spec("eos", 0, 10, 100, 1000, 50), 0);
        s.submit(spec("max", 0, 10, 2, 1000, 50), 0);
        s.schedule(0);
        StepOutcome first = s.complete(StepResult.of(20), 20);
        assertEquals(2, first.advanced().size());
        assertEquals(20.0, s.find("eos").firstTokenMs());
        s.schedule(20);
        StepOutcome second = s.complete(new StepResult(12, Set.of("eos")), 32);
        assertEquals(List.of("eos", "max"), second.finished().stream().map(RequestState::id).toList());
        assertEquals(0, s.liveCount());
        assertEquals(SchedulerConfig.PAPER.kvBlocks(), s.freeKvBlocks());
    }

    @Test
    @DisplayName("a request-level worker's counts: none yet, several at once, never past max_tokens")
    void relayedTokenCounts() {
        Scheduler s = scheduler(Policy.VLLM, SchedulerConfig.PAPER);
        s.submit(spec("slow", 0, 10, 100, 1000, 50), 0);
        s.submit(spec("fast", 0, 10, 8, 1000, 50), 0);
        s.schedule(0);
        // The server has the first token of one request only: the other stays running, without a first token.
        StepOutcome first = s.complete(new StepResult(20, Set.of(), Map.of("slow", 0)), 20);
        assertEquals(List.of("fast"), first.advanced().stream().map(RequestState::id).toList());
        assertFalse(s.find("slow").hasFirstToken());
        assertEquals(RequestState.Phase.RUNNING, s.find("slow").phase());
        s.schedule(20);
        // The server ran ahead: three tokens of one request come at once; the other has its first.
        s.complete(new StepResult(15, Set.of(), Map.of("fast", 3)), 35);
        assertEquals(4, s.find("fast").generatedTokens());
        assertEquals(1, s.find("slow").generatedTokens());
        assertEquals(35.0, s.find("slow").firstTokenMs(), "its first token came in this step");
        assertEquals(20.0, s.find("fast").firstTokenMs());
        RequestState fast = s.find("fast");
        s.schedule(35);
        // More than it may still produce: counted up to max_tokens, and it finishes.
        StepOutcome third = s.complete(new StepResult(15, Set.of(), Map.of("fast", 9)), 50);
        assertEquals(List.of("fast"), third.finished().stream().map(RequestState::id).toList());
        assertEquals(8, fast.generatedTokens());
        assertEquals(RequestState.Phase.FINISHED, fast.phase());
        assertThrows(IllegalArgumentException.class, () -> new StepResult(1, Set.of(), Map.of("x", -1)));
    }

    @Test
    @DisplayName("the schedule/complete protocol is enforced")
    void protocol() {
        Scheduler s = scheduler(Policy.VLLM, SchedulerConfig.PAPER);
        assertThrows(IllegalStateException.class, () -> s.complete(StepResult.of(1), 0));
        s.submit(spec("a", 0, 10, 5, 1000, 50), 0);
        s.schedule(0);
        assertThrows(IllegalStateException.class, () -> s.schedule(1), "one step at a time");
        assertThrows(IllegalArgumentException.class, () -> s.submit(spec("a", 0, 10, 5, 1000, 50), 0));
    }

    @Test
    @DisplayName("a request that could never fit the KV cache is refused at once")
    void kvCapacity() {
        Scheduler s = scheduler(Policy.SCORPIO, SchedulerConfig.PAPER.withKvBlocks(10).withWatermark(0));
        SubmitResult r = s.submit(spec("big", 0, 100, 100, 1000, 50), 0);
        assertEquals(RejectReason.KV_CAPACITY_EXCEEDED, assertInstanceOf(SubmitResult.Refused.class, r).reason());
        assertEquals(0, s.liveCount());
    }

    @Test
    @DisplayName("TTFT rejection at its boundary: slack equal to minimal TTFT + 50 ms is kept, below is rejected")
    void rejectionBoundary() {
        Scheduler s = scheduler(Policy.MOONCAKE, SchedulerConfig.PAPER);
        s.submit(spec("kept", 0, 10, 1, 70, 50), 0);   // slack 70 = T_prefill(10) 20 + 50
        s.submit(spec("gone", 0, 10, 1, 69.999, 50), 0);
        Iteration it = s.schedule(0);
        assertEquals(List.of("gone"), it.rejections().stream().map(rej -> rej.request().id()).toList());
        assertEquals(RejectReason.TTFT_UNATTAINABLE, it.rejections().get(0).reason());
        assertEquals(RequestState.Phase.REJECTED, it.rejections().get(0).request().phase());
        assertEquals(List.of("kept"), it.step().batch().stream().map(RequestState::id).toList());
    }

    @Test
    @DisplayName("s3 cannot starve a long job: past the starvation limit it goes to the head")
    void noStarvationUnderShortestFirst() {
        SchedulerConfig config = SchedulerConfig.PAPER.withBudgets(16, 1).withStarvationLimitMs(1_000);
        Scheduler s = scheduler(Policy.S3, config);
        s.submit(new RequestSpec("long", 0, 10, 1, new Slo(100_000, 50), 4000), 0);
        double now = 0;
        int shortJobs = 0;
        String firstServedAfterLimit = null;
        while (s.find("long") != null) {
            // a fresh short job arrives before every step, so shortest-first alone would never pick "long"
            s.submit(new RequestSpec("short" + shortJobs++, now, 10, 1, new Slo(100_000, 50), 5), now);
            StepPlan step = s.schedule(now).step();
            now += 20;
            s.complete(StepResult.of(20), now);
            if (now > 1_000 && firstServedAfterLimit == null) {
                firstServedAfterLimit = step.batch().get(0).id();
            }
            assertTrue(now < 2_000, "the long job must be served soon after the limit");
        }
        assertTrue(now >= 1_000, "before the limit shortest-first holds");
    }
}
