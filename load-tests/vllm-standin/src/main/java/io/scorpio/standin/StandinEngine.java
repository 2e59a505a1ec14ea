package io.scorpio.standin;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.GuardOptions;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.QueueOrder;
import io.scorpio.core.policy.RejectionRule;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.core.scheduler.Iteration;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.core.scheduler.StepOutcome;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.core.scheduler.SubmitResult;
import io.scorpio.gpusim.SimulatedGpuWorker;
import io.scorpio.gpusim.StepTimeline;
import io.scorpio.gpusim.StepTimeSampler;
import io.scorpio.model.Slo;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;

/**
 * vLLM V1's engine loop in real time: the scheduling core on the chunked-prefill engine (decodes first, then prompt
 * chunks up to {@code max_num_batched_tokens}, paged KV blocks with recompute preemption, {@code max_num_seqs}), FCFS
 * or vLLM's {@code priority} order, each step taking the time the calibrated simulated A100 gives it. No SLOs, no
 * rejections: a stock vLLM server serves whatever it is sent, in its own order.
 *
 * <p>Confined to one Vert.x context: every method runs there.
 */
final class StandinEngine {

    /** Where one request's tokens go. */
    interface Sink {
        /** Token number {@code index}; {@code finishReason} ("stop" or "length") on the last one. */
        void token(int index, String finishReason);

        /** The engine gave up on it (a prompt that can never fit the KV cache). */
        void failed(String message);
    }

    /**
     * vLLM's priority order: lower {@code priority} first, then arrival. The core's queue orders by a per-request key
     * ({@link QueueOrder#PREDICTED_LENGTH}, smallest first, ties in arrival order), so the key carries the priority:
     * nothing else of the policy reads it (no admission, no rejection, no credits).
     */
    static final int PRIORITY_OFFSET = 1 << 30;

    /** A stock server knows no SLOs: targets no request could miss. */
    private static final Slo NO_SLO = new Slo(Slo.MAX_MS, Slo.MAX_MS);

    private final Vertx vertx;
    private final Scheduler scheduler;
    private final SimulatedGpuWorker worker;
    private final double timeScale;
    private final Map<String, Sink> sinks = new HashMap<>();
    /** The length each request stops at on its own (its drawn answer, or max_tokens with ignore_eos). */
    private final Map<String, Integer> lengths = new HashMap<>();
    private final StandinMetrics metrics;
    private boolean running;
    /**
     * The simulated GPU's own timeline: the CPU time spent here scheduling and writing tokens (which grows with
     * whatever else runs in this process, such as a gateway in the same JVM) is not added to every step.
     */
    private final StepTimeline timeline = new StepTimeline();

    StandinEngine(Vertx vertx, StandinOptions options, StepTimeSampler sampler, StandinMetrics metrics) {
        this.vertx = vertx;
        this.timeScale = options.timeScale();
        this.metrics = metrics;
        Policy policy = new Policy(options.priority() ? "vllm-v1-priority" : "vllm-v1",
                options.priority() ? QueueOrder.PREDICTED_LENGTH : QueueOrder.ARRIVAL, RejectionRule.NONE, false, false,
                options.priority(), options.maxNumBatchedTokens());
        SchedulerConfig config = SchedulerConfig.PAPER.withBudgets(options.maxNumBatchedTokens(), options.maxNumSeqs())
                .withKvBlocks(options.kvBlocks());
        // The models price SLO decisions, and this policy makes none; they are here because the core wants them.
        this.scheduler = new Scheduler(policy, config, GuardOptions.NONE, new StepTimeModel(1.19e-4, 0.0626, 4.05e-4, 11.168),
                new PrefillTimeModel(100, 13.04, 0.07084, 6.282));
        this.worker = new SimulatedGpuWorker(sampler, id -> lengths.getOrDefault(id, SimulatedGpuWorker.UNKNOWN_LENGTH));
    }

    /**
     * Queues a request; {@code stopAt} is the length it stops at by itself ({@code maxTokens} or less). Returns an error
     * message when the engine can never run it, else null.
     */
    String submit(String id, int promptTokens, int maxTokens, int stopAt, int priority, Sink sink, double nowMs) {
        // Priorities in [-2^30, 2^30) keep their order (a Scorpio node's deadlines, in ms, for 12 days of uptime).
        int key = (int) Math.max(0, Math.min(Integer.MAX_VALUE, (long) priority + PRIORITY_OFFSET));
        RequestSpec spec = new RequestSpec(id, nowMs, promptTokens, maxTokens, NO_SLO, key);
        SubmitResult result = scheduler.submit(spec, nowMs);
        if (result instanceof SubmitResult.Refused refused) {
            return refused.message();
        }
        sinks.put(id, sink);
        lengths.put(id, stopAt);
        metrics.counts(scheduler);
        kick(nowMs);
        return null;
    }

    /** The client went away: stop spending work on it (vLLM aborts a request whose connection closed). */
    void abort(String id, double nowMs) {
        if (sinks.remove(id) != null) {
            lengths.remove(id);
            scheduler.abort(id, nowMs);
            metrics.counts(scheduler);
        }
    }

    private void kick(double nowMs) {
        if (!running) {
            running = true;
            step(nowMs);
        }
    }

    private void step(double nowMs) {
        Iteration it = scheduler.schedule(nowMs);
        it.rejections().forEach(r -> {
            Sink sink = sinks.remove(r.request().id());
            lengths.remove(r.request().id());
            if (sink != null) {
                sink.failed(r.message());
            }
        });
        metrics.preempted(it.preempted().size());
        StepPlan plan = it.step();
        metrics.counts(scheduler);
        if (plan instanceof StepPlan.Idle) {
            running = false;
            return;
        }
        StepResult result = worker.run(plan);
        long waitNanos = timeline.start(System.nanoTime(), Math.round(result.durationMs() * timeScale * 1e6));
        long waitMs = Math.max(1, (waitNanos + 999_999) / 1_000_000);
        vertx.setTimer(waitMs, t -> complete(result));
    }

    private void complete(StepResult result) {
        double now = StandinServer.nowMs();
        StepOutcome outcome = scheduler.complete(result, now);
        for (RequestState r : outcome.advanced()) {
            Sink sink = sinks.get(r.id());
            if (sink == null) {
                continue;
            }
            int index = r.generatedTokens();
            String finish = null;
            if (!r.isLive()) {
                finish = index >= r.spec().maxTokens() ? "length" : "stop";
                sinks.remove(r.id());
                lengths.remove(r.id());
            }
            metrics.generated(1);
            sink.token(index, finish);
        }
        step(now);
    }
}
