package io.scorpio.core.scheduler;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.QueueOrder;
import io.scorpio.core.policy.RejectionRule;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.RejectReason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One engine's scheduler: the paper's Algorithm 1 on a vLLM-V0-style engine (spec 5), for any of the
 * policies of spec 6. Pure and single-threaded: time is passed in, nothing blocks, nothing does I/O, so
 * the same object runs behind the live service and inside virtual-time experiments.
 *
 * <p>The protocol is {@link #submit} as requests arrive, then alternately {@link #schedule} (which
 * returns the step to run) and {@link #complete} (with the worker's report of that step). {@link #abort}
 * may come at any time; a request aborted while its step runs is simply skipped when the step completes.
 */
public final class Scheduler {

    private final Policy policy;
    private final SchedulerConfig config;
    private StepTimeModel stepModel;
    private PrefillTimeModel prefillModel;

    private final WaitingQueue waiting;
    private final AdmittedSet admitted = new AdmittedSet();
    private final KvBlockManager kv;
    private final TtftGuard ttftGuard;
    private final TpotGuard tpotGuard;
    private final MooncakeEarlyRejection mooncake = new MooncakeEarlyRejection();
    private final Map<String, RequestState> live = new HashMap<>();
    private long nextArrivalSeq;
    private StepPlan inFlight;

    public Scheduler(Policy policy, SchedulerConfig config, StepTimeModel stepModel, PrefillTimeModel prefillModel) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.config = Objects.requireNonNull(config, "config");
        this.stepModel = Objects.requireNonNull(stepModel, "stepModel");
        this.prefillModel = Objects.requireNonNull(prefillModel, "prefillModel");
        this.waiting = new WaitingQueue(policy.order(), this::outputEstimate);
        this.kv = new KvBlockManager(config.kvBlocks(), config.blockSize(), config.watermarkBlocks());
        this.ttftGuard = new TtftGuard(config.rejectionMarginMs());
        this.tpotGuard = new TpotGuard(config.gamma(), config.admissionHeadroom());
    }

    /**
     * Takes a new request. It is refused at once when no schedule could ever run it: a prompt over the
     * prefill token budget (there is no chunked prefill), or more KV than the whole cache.
     */
    public SubmitResult submit(RequestSpec spec, double nowMs) {
        if (live.containsKey(spec.id())) {
            throw new IllegalArgumentException("request id already live: " + spec.id());
        }
        if (spec.promptTokens() > config.maxNumBatchedTokens()) {
            return new SubmitResult.Refused(spec, RejectReason.PROMPT_TOO_LONG, "prompt of " + spec.promptTokens()
                    + " tokens exceeds the " + config.maxNumBatchedTokens() + "-token prefill budget");
        }
        if (!kv.couldEverHold((long) spec.promptTokens() + spec.maxTokens())) {
            return new SubmitResult.Refused(spec, RejectReason.KV_CAPACITY_EXCEEDED, "prompt plus max_tokens of "
                    + ((long) spec.promptTokens() + spec.maxTokens()) + " tokens exceeds the KV cache");
        }
        RequestState r = new RequestState(spec, nextArrivalSeq++);
        live.put(spec.id(), r);
        waiting.add(r);
        if (policy.rejection() == RejectionRule.MOONCAKE_EARLY) {
            mooncake.arrived(r);
        }
        return new SubmitResult.Queued(r);
    }

    /**
     * One scheduler iteration (spec 5): the rejection pass, then prefill-first admission from the head of
     * the queue, else a decode step of the admitted set filtered by credits, preempting the most recently
     * admitted request when KV blocks run out.
     */
    public Iteration schedule(double nowMs) {
        if (inFlight != null) {
            throw new IllegalStateException("a step is still running: complete() it before scheduling the next");
        }
        List<Rejection> rejections = new ArrayList<>();
        switch (policy.rejection()) {
            case UNATTAINABLE_TTFT -> ttftGuard.rejectUnattainable(waiting, nowMs, prefillModel,
                    policy.order() == QueueOrder.DEADLINE, rejections);
            case MOONCAKE_EARLY -> mooncake.judge(waiting, admitted, prefillModel, stepModel, this::outputEstimate,
                    rejections);
            case NONE -> { }
        }
        for (Rejection rejection : rejections) {
            end(rejection.request(), RequestState.Phase.REJECTED, nowMs);
        }

        StepPlan.Prefill prefill = admitForPrefill(nowMs);
        if (prefill != null) {
            inFlight = prefill;
            return new Iteration(prefill, rejections, List.of());
        }
        if (admitted.isEmpty()) {
            return new Iteration(StepPlan.IDLE, rejections, List.of());
        }
        List<RequestState> preempted = new ArrayList<>();
        List<RequestState> batch = CreditBatcher.select(admitted, policy.credits());
        reserveDecodeSlots(batch, preempted);
        if (batch.isEmpty()) {
            return new Iteration(StepPlan.IDLE, rejections, preempted);
        }
        long lengths = 0;
        for (RequestState r : batch) {
            lengths += r.currentLength();
        }
        StepPlan.Decode decode = new StepPlan.Decode(batch, (double) lengths / batch.size());
        inFlight = decode;
        return new Iteration(decode, rejections, preempted);
    }

    /** Applies a worker's report of the step from the last {@link #schedule}: one token per sequence. */
    public StepOutcome complete(StepResult result, double nowMs) {
        StepPlan step = inFlight;
        if (step == null) {
            throw new IllegalStateException("no step is running");
        }
        inFlight = null;
        List<RequestState> advanced = new ArrayList<>(step.batch().size());
        List<RequestState> finished = new ArrayList<>();
        for (RequestState r : step.batch()) {
            if (r.phase != RequestState.Phase.RUNNING) {
                continue; // aborted while its step ran; its blocks are already free
            }
            r.generatedTokens++;
            admitted.onTokenGenerated();
            if (r.generatedTokens == 1) {
                r.firstTokenMs = nowMs;
            }
            advanced.add(r);
            if (r.generatedTokens >= r.spec().maxTokens() || result.stopped().contains(r.id())) {
                end(r, RequestState.Phase.FINISHED, nowMs);
                finished.add(r);
            }
        }
        return new StepOutcome(advanced, finished);
    }

    /** Aborts a live request wherever it is, freeing what it held. Returns false if it was not live. */
    public boolean abort(String id, double nowMs) {
        RequestState r = live.get(id);
        if (r == null) {
            return false;
        }
        end(r, RequestState.Phase.ABORTED, nowMs);
        return true;
    }

    /** Replaces the fitted models, e.g. after an online refit from observed step times. */
    public void updateModels(StepTimeModel step, PrefillTimeModel prefill) {
        this.stepModel = Objects.requireNonNull(step, "step");
        this.prefillModel = Objects.requireNonNull(prefill, "prefill");
    }

    private StepPlan.Prefill admitForPrefill(double nowMs) {
        List<RequestState> batch = null;
        int tokens = 0;
        while (!waiting.isEmpty()) {
            RequestState c = waiting.head(nowMs, config.starvationLimitMs());
            int t = c.prefillTokens();
            if (admitted.size() + 1 > config.maxNumSeqs()) {
                break;
            }
            // A recomputed request may have outgrown the budget; it then runs alone rather than never.
            boolean alone = batch == null && c.hasFirstToken();
            if (tokens + t > config.maxNumBatchedTokens() && !alone) {
                break;
            }
            if (policy.tpotAdmission() && !tpotGuard.admits(admitted, c, outputEstimate(c), stepModel)) {
                break;
            }
            if (!kv.canAllocatePrefill(t)) {
                break;
            }
            waiting.remove(c);
            kv.allocatePrefill(c);
            c.phase = RequestState.Phase.RUNNING;
            admitted.add(c);
            if (batch == null) {
                batch = new ArrayList<>();
            }
            batch.add(c);
            tokens += t;
        }
        return batch == null ? null : new StepPlan.Prefill(batch, tokens);
    }

    /**
     * Gives every request of the batch the KV slot its next token needs, in admission order; when blocks
     * run out, preempts the most recently admitted request (vLLM V0's recompute preemption).
     */
    private void reserveDecodeSlots(List<RequestState> batch, List<RequestState> preempted) {
        for (int i = 0; i < batch.size(); i++) {
            RequestState r = batch.get(i);
            while (!kv.canAppend(r)) {
                RequestState victim = admitted.lastAdmitted();
                preempt(victim);
                preempted.add(victim);
                int at = batch.lastIndexOf(victim);
                if (at >= 0) {
                    batch.remove(at);
                }
                if (victim == r) {
                    break;
                }
            }
            if (r.phase == RequestState.Phase.RUNNING) {
                kv.append(r);
            } else {
                i--; // r itself was removed from the batch
            }
        }
    }

    private void preempt(RequestState r) {
        admitted.remove(r);
        kv.free(r);
        r.phase = RequestState.Phase.WAITING;
        r.credit = 0;
        r.preemptions++;
        waiting.add(r);
    }

    private void end(RequestState r, RequestState.Phase phase, double nowMs) {
        switch (r.phase) {
            case WAITING -> waiting.remove(r);
            case RUNNING -> {
                admitted.remove(r);
                kv.free(r);
            }
            default -> throw new IllegalStateException("request already ended: " + r);
        }
        r.phase = phase;
        r.endMs = nowMs;
        live.remove(r.id());
    }

    /** O of spec 4: the predicted output length where the policy uses one and it exists, else max_tokens. */
    int outputEstimate(RequestState r) {
        RequestSpec spec = r.spec();
        return policy.usesPredictor() && spec.hasPrediction() ? spec.predictedOutputTokens() : spec.maxTokens();
    }

    // ---- read-only views, for the service's metrics and for tests ----

    public Policy policy() {
        return policy;
    }

    public SchedulerConfig config() {
        return config;
    }

    public StepTimeModel stepModel() {
        return stepModel;
    }

    public PrefillTimeModel prefillModel() {
        return prefillModel;
    }

    public int waitingCount() {
        return waiting.size();
    }

    public int admittedCount() {
        return admitted.size();
    }

    public int liveCount() {
        return live.size();
    }

    public boolean hasWork() {
        return !live.isEmpty();
    }

    public boolean stepInFlight() {
        return inFlight != null;
    }

    /** Sum of TRP over the admitted set. */
    public double virtualBatchSize() {
        return admitted.virtualBatchSize();
    }

    /** The smallest TPOT SLO among admitted requests; NaN when none is admitted. */
    public double tMinMs() {
        return admitted.tMin();
    }

    public int freeKvBlocks() {
        return kv.freeBlocks();
    }

    public int totalKvBlocks() {
        return kv.totalBlocks();
    }

    public RequestState find(String id) {
        return live.get(id);
    }

    /** The waiting queue in the policy's order (a copy). */
    public List<RequestState> waitingInOrder() {
        List<RequestState> out = new ArrayList<>(waiting.size());
        waiting.forEach(out::add);
        return out;
    }

    /** The admitted set in admission order (a copy). */
    public List<RequestState> admittedInOrder() {
        return admitted.snapshot();
    }
}
