package io.scorpio.core.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.RejectReason;
import io.scorpio.model.Slo;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A worker that fails under its requests: those without a token go back to the queue (requeue), and while the
 * worker is down the rejection pass still runs on its own. Scenario's models: a prefill takes 20 ms, so with the
 * 50 ms margin a request is rejected once less than 70 ms remain before its deadline.
 */
class RequeueTest {

    private static final int TOTAL = SchedulerConfig.PAPER.kvBlocks();

    private static Scheduler scorpio() {
        return new Scheduler(Policy.SCORPIO, SchedulerConfig.PAPER, Scenario.DECODE, Scenario.PREFILL);
    }

    private static RequestSpec spec(String id, double arrival, int prompt, double ttft, double tpot) {
        return new RequestSpec(id, arrival, prompt, 5, new Slo(ttft, tpot));
    }

    private static List<String> ids(List<RequestState> rs) {
        return rs.stream().map(RequestState::id).toList();
    }

    @Test
    @DisplayName("a request whose prefill failed gives back its KV blocks and VBS share and waits again")
    void requeueGivesBackWhatItHeld() {
        Scheduler s = scorpio();
        s.submit(spec("a", 0, 40, 1000, 30), 0);
        s.submit(spec("b", 0, 40, 800, 50), 0);
        StepPlan prefill = s.schedule(0).step();
        assertEquals(List.of("b", "a"), ids(prefill.batch()), "LDF: b's deadline is earlier");
        assertEquals(TOTAL - 6, s.freeKvBlocks(), "ceil(40/16) = 3 blocks each");
        assertEquals(1 + 30.0 / 50, s.virtualBatchSize(), 1e-12);

        assertTrue(s.requeue("a", 5));

        RequestState a = s.find("a");
        assertEquals(RequestState.Phase.WAITING, a.phase());
        assertEquals(0, a.kvBlocks());
        assertEquals(TOTAL - 3, s.freeKvBlocks(), "a's blocks are free again");
        assertEquals(List.of("b"), ids(s.admittedInOrder()));
        assertEquals(1.0, s.virtualBatchSize(), 1e-12, "VBS drops to b alone, T_min now b's 50 ms");
        assertEquals(50.0, s.tMinMs());
        assertEquals(List.of("a"), ids(s.waitingInOrder()));
        assertEquals(0, a.preemptions(), "a worker failure is not a preemption");

        StepOutcome outcome = s.complete(StepResult.of(20), 20);
        assertEquals(List.of("b"), ids(outcome.advanced()), "the failed request gets no token from its step");
        assertEquals(0, a.generatedTokens());
        assertEquals(List.of("a"), ids(s.schedule(20).step().batch()), "served again by the next prefill");
    }

    @Test
    @DisplayName("requeued requests take their place by deadline among those that waited meanwhile")
    void requeuedRequestsKeepDeadlineOrder() {
        Scheduler s = scorpio();
        s.submit(spec("early", 0, 20, 500, 50), 0);
        s.submit(spec("late", 0, 20, 3000, 50), 0);
        assertEquals(2, s.schedule(0).step().batch().size());
        s.submit(spec("middle", 1, 20, 1499, 50), 1); // deadline 1500
        assertTrue(s.requeue("late", 2));
        assertTrue(s.requeue("early", 2));
        s.complete(StepResult.of(20), 20);
        assertEquals(List.of("early", "middle", "late"), ids(s.waitingInOrder()));
        assertEquals(TOTAL, s.freeKvBlocks());
        assertEquals(0.0, s.virtualBatchSize());
    }

    @Test
    @DisplayName("a request with a first token, an ended one or an unknown id cannot be requeued, and nothing changes")
    void requeueRefusesRequestsWithTokens() {
        Scheduler s = scorpio();
        s.submit(spec("a", 0, 40, 1000, 50), 0);
        s.schedule(0);
        s.complete(StepResult.of(20), 20);
        int free = s.freeKvBlocks();
        double vbs = s.virtualBatchSize();

        assertFalse(s.requeue("a", 21), "its client has a token: it must end, not start over");
        assertEquals(RequestState.Phase.RUNNING, s.find("a").phase());
        assertEquals(free, s.freeKvBlocks());
        assertEquals(vbs, s.virtualBatchSize());
        assertEquals(0, s.waitingCount());
        assertFalse(s.requeue("nobody", 21));
        assertTrue(s.abort("a", 22));
        assertFalse(s.requeue("a", 23), "ended");
    }

    @Test
    @DisplayName("requeueing a request that is already waiting changes nothing")
    void requeueWaitingIsANoOp() {
        Scheduler s = scorpio();
        s.submit(spec("a", 0, 40, 1000, 50), 0);
        assertTrue(s.requeue("a", 1));
        assertEquals(List.of("a"), ids(s.waitingInOrder()));
        assertEquals(1, s.liveCount());
        assertEquals(TOTAL, s.freeKvBlocks());
    }

    @Test
    @DisplayName("a requeued request whose deadline can no longer be met is rejected by the next schedule()")
    void requeuedRequestPastItsDeadlineIsRejected() {
        Scheduler s = scorpio();
        s.submit(spec("a", 0, 40, 200, 50), 0);
        s.schedule(0);
        assertTrue(s.requeue("a", 150));
        s.complete(StepResult.of(150), 150);
        Iteration it = s.schedule(150); // 50 ms left < 20 ms prefill + 50 ms margin
        assertEquals(List.of("a"), it.rejections().stream().map(r -> r.request().id()).toList());
        assertEquals(RejectReason.TTFT_UNATTAINABLE, it.rejections().get(0).reason());
        assertEquals(RequestState.Phase.REJECTED, it.rejections().get(0).request().phase());
        assertInstanceOf(StepPlan.Idle.class, it.step());
        assertEquals(0, s.liveCount());
        assertEquals(TOTAL, s.freeKvBlocks());
    }

    @Test
    @DisplayName("while the worker is down, the rejection pass alone rejects the unattainable and starts nothing")
    void rejectionPassAloneWhileTheWorkerIsDown() {
        Scheduler s = scorpio();
        s.submit(spec("running", 0, 40, 10_000, 50), 0);
        s.schedule(0);
        s.complete(StepResult.of(20), 20);
        s.submit(spec("patient", 20, 40, 10_000, 50), 20);
        s.submit(spec("hurried", 20, 40, 500, 50), 20);

        Iteration early = s.rejectUnattainable(400); // hurried: 120 ms left, enough
        assertTrue(early.rejections().isEmpty());
        assertInstanceOf(StepPlan.Idle.class, early.step());
        assertEquals(2, s.waitingCount(), "nothing was admitted");
        assertFalse(s.stepInFlight());

        Iteration late = s.rejectUnattainable(460); // hurried: 60 ms left < 70
        assertEquals(List.of("hurried"), late.rejections().stream().map(r -> r.request().id()).toList());
        assertEquals(List.of("patient"), ids(s.waitingInOrder()));
        assertEquals(List.of("running"), ids(s.admittedInOrder()), "the admitted set is not touched");
        assertEquals(1, s.find("running").generatedTokens());
    }
}
