package io.scorpio.core.scheduler;

import io.scorpio.core.model.MixedStepModel;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.GuardOptions;
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
 * policies of spec 6; or, with {@link SchedulerConfig#chunkedPrefill()}, vLLM V1's chunked-prefill engine (decodes
 * first, then prompt chunks within the token budget), for the policies of {@link Policy#CHUNKED} or any other. Pure and single-threaded: time is passed in, nothing blocks, nothing does I/O, so
 * the same object runs behind the live service and inside virtual-time experiments.
 *
 * <p>The protocol is {@link #submit} as requests arrive, then alternately {@link #schedule} (which
 * returns the step to run) and {@link #complete} (with the worker's report of that step). {@link #abort} and
 * {@link #requeue} may come at any time; a request aborted or requeued while its step runs is simply skipped when
 * the step completes.
 */
public final class Scheduler {

    private final Policy policy;
    private final SchedulerConfig config;
    private final GuardOptions options;
    private StepTimeModel stepModel;
    private PrefillTimeModel prefillModel;
    /** Prices the steps of the chunked-prefill engine; fitted, or derived from the two models above. */
    private MixedStepModel mixedModel;

    private final WaitingQueue waiting;
    /** Requests demoted to best effort (GuardOptions.bestEffort), first come first served. */
    private final WaitingQueue bestEffort;
    private final AdmittedSet admitted = new AdmittedSet();
    private final KvBlockManager kv;
    private final TtftGuard ttftGuard;
    private final TpotGuard tpotGuard;
    private final MooncakeEarlyRejection mooncake = new MooncakeEarlyRejection();
    private final Map<String, RequestState> live = new HashMap<>();
    private long nextArrivalSeq;
    private StepPlan inFlight;
    /** Under GuardOptions.lowLoadFallback: whether load is light enough to drop admission and credits. */
    private boolean lightLoad;
    private long loadModeSwitches;
    /** Recent share of engine time spent in prefill, time-weighted (GuardOptions.prefillAware). */
    private double prefillShare;

    public Scheduler(Policy policy, SchedulerConfig config, StepTimeModel stepModel, PrefillTimeModel prefillModel) {
        this(policy, config, GuardOptions.NONE, stepModel, prefillModel);
    }

    public Scheduler(Policy policy, SchedulerConfig config, GuardOptions options, StepTimeModel stepModel,
                     PrefillTimeModel prefillModel) {
        this(policy, config, options, stepModel, prefillModel, null);
    }

    /**
     * As above, with a fitted model of the chunked engine's mixed steps ({@code null}: one derived from the decode and
     * prefill models). The engine is {@code policy.engineConfig(config)}: a chunked-prefill policy such as
     * {@code vllm-v1} brings its own engine.
     */
    public Scheduler(Policy policy, SchedulerConfig config, GuardOptions options, StepTimeModel stepModel,
                     PrefillTimeModel prefillModel, MixedStepModel mixedModel) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.config = policy.engineConfig(Objects.requireNonNull(config, "config"));
        this.options = Objects.requireNonNull(options, "options");
        this.stepModel = Objects.requireNonNull(stepModel, "stepModel");
        this.prefillModel = Objects.requireNonNull(prefillModel, "prefillModel");
        this.mixedModel = mixedModel != null ? mixedModel : MixedStepModel.fromSeparate(stepModel, prefillModel);
        this.waiting = new WaitingQueue(policy.order(), this::outputEstimate);
        this.bestEffort = new WaitingQueue(QueueOrder.ARRIVAL, this::outputEstimate);
        this.kv = new KvBlockManager(config.kvBlocks(), config.blockSize(), config.watermarkBlocks());
        this.ttftGuard = new TtftGuard(config.rejectionMarginMs());
        this.tpotGuard = new TpotGuard(this.config.chunkedPrefill() ? this.config.chunkedGamma() : this.config.gamma(),
                this.config.admissionHeadroom());
        this.lightLoad = options.lowLoadFallback(); // an empty engine is lightly loaded
    }

    /**
     * Takes a new request. It is refused at once when no schedule could ever run it: a prompt over the
     * prefill token budget (without chunked prefill), or more KV than the whole cache.
     */
    public SubmitResult submit(RequestSpec spec, double nowMs) {
        if (live.containsKey(spec.id())) {
            throw new IllegalArgumentException("request id already live: " + spec.id());
        }
        if (!config.chunkedPrefill() && spec.promptTokens() > config.maxNumBatchedTokens()) {
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
        if (config.chunkedPrefill()) {
            return scheduleChunked(nowMs);
        }
        List<RequestState> demoted = new ArrayList<>();
        List<Rejection> rejections = rejectionPass(nowMs, demoted);
        boolean guarded = updateLoadMode();

        StepPlan.Prefill prefill = admitForPrefill(nowMs, guarded);
        if (prefill != null) {
            inFlight = prefill;
            return new Iteration(prefill, rejections, List.of(), demoted);
        }
        if (admitted.isEmpty()) {
            return new Iteration(StepPlan.IDLE, rejections, List.of(), demoted);
        }
        List<RequestState> preempted = new ArrayList<>();
        List<RequestState> batch = CreditBatcher.select(admitted, policy.credits() && guarded,
                options.prefillAwareCredits() ? stallFactor() : 1.0);
        reserveDecodeSlots(batch, preempted);
        if (batch.isEmpty()) {
            return new Iteration(StepPlan.IDLE, rejections, preempted, demoted);
        }
        long lengths = 0;
        for (RequestState r : batch) {
            lengths += r.currentLength();
        }
        StepPlan.Decode decode = new StepPlan.Decode(batch, (double) lengths / batch.size());
        inFlight = decode;
        return new Iteration(decode, rejections, preempted, demoted);
    }

    /**
     * The rejection pass of {@link #schedule} alone (step 1 of spec 5), for an engine that cannot run a step now
     * because its worker is down: a waiting request whose deadline can no longer be met is told so now, not when
     * the worker returns. Nothing is admitted and no step starts; the returned iteration's step is idle.
     */
    public Iteration rejectUnattainable(double nowMs) {
        List<RequestState> demoted = new ArrayList<>();
        List<Rejection> rejections = rejectionPass(nowMs, demoted);
        return new Iteration(StepPlan.IDLE, rejections, List.of(), demoted);
    }

    private List<Rejection> rejectionPass(double nowMs, List<RequestState> demoted) {
        List<Rejection> rejections = new ArrayList<>();
        switch (policy.rejection()) {
            case UNATTAINABLE_TTFT -> {
                if (config.chunkedPrefill()) {
                    ChunkedPrefillEstimate estimate = chunkedPrefillEstimate();
                    ttftGuard.rejectUnattainable(waiting, nowMs, estimate::ttftMs, estimate::ttftMs,
                            policy.order() == QueueOrder.DEADLINE, rejections);
                } else {
                    ttftGuard.rejectUnattainable(waiting, nowMs, prefillModel, policy.order() == QueueOrder.DEADLINE,
                            rejections);
                }
            }
            case MOONCAKE_EARLY -> mooncake.judge(waiting, admitted, prefillModel, stepModel, this::outputEstimate,
                    rejections);
            case NONE -> { }
        }
        if (options.bestEffort()) {
            demoteUnattainable(rejections, demoted);
            expireBestEffort(nowMs, rejections);
        }
        for (Rejection rejection : rejections) {
            if (rejection.request().isLive()) {
                end(rejection.request(), RequestState.Phase.REJECTED, nowMs);
            }
        }
        return rejections;
    }

    /**
     * Applies a worker's report of the step from the last {@link #schedule}: one token per sequence of the batch, or
     * the counts a request-level worker reports ({@link StepResult#tokens}).
     */
    public StepOutcome complete(StepResult result, double nowMs) {
        StepPlan step = inFlight;
        if (step == null) {
            throw new IllegalStateException("no step is running");
        }
        inFlight = null;
        if (options.prefillAware()) {
            // A time-weighted moving average with a 2 s time constant: recent enough to follow load changes,
            // long enough to span many steps.
            double keep = Math.exp(-result.durationMs() / PREFILL_SHARE_WINDOW_MS);
            prefillShare = prefillShare * keep + (step instanceof StepPlan.Prefill ? 1 - keep : 0);
        }
        if (step instanceof StepPlan.Mixed mixed) {
            for (StepPlan.PrefillChunk chunk : mixed.chunks()) {
                RequestState r = chunk.request();
                if (r.phase == RequestState.Phase.RUNNING) { // else aborted or requeued while its step ran
                    r.prefillRemaining -= chunk.tokens();
                    if (r.prefillRemaining == 0) {
                        // Its first decode comes right after its first token: a credit that reaches 1 there keeps
                        // the first gaps as short as the later ones, which matters for short outputs.
                        r.credit = Math.max(0, 1 - admitted.trp(r));
                    }
                }
            }
        }
        List<RequestState> advanced = new ArrayList<>(step.batch().size());
        List<RequestState> finished = new ArrayList<>();
        for (RequestState r : step.batch()) {
            int tokens = result.tokensOf(r.id());
            if (r.phase != RequestState.Phase.RUNNING || tokens == 0) {
                continue; // aborted or requeued while its step ran (its blocks are already free), or nothing yet
            }
            int n = Math.min(tokens, r.spec().maxTokens() - r.generatedTokens);
            r.generatedTokens += n;
            admitted.onTokensGenerated(n);
            if (r.generatedTokens == n) {
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

    /**
     * Sends a request back to the waiting queue because its worker failed under it (died, hung) before it
     * produced a token: the request is not at fault, so it should be served later rather than fail. As in a
     * recompute preemption, its KV blocks and admitted-set entry are freed and it waits again in its policy's
     * order, keeping its arrival and deadline, so the TTFT Guard still rejects it once the deadline can no longer
     * be met. If its step is still in flight, {@link #complete} skips it.
     *
     * <p>Returns false, changing nothing, for a request that is not live or that already has its first token (its
     * client has tokens: starting it again would repeat them, so it must end instead). A request already waiting
     * is where this would put it: true.
     */
    public boolean requeue(String id, double nowMs) {
        RequestState r = live.get(id);
        if (r == null || r.hasFirstToken()) {
            return false;
        }
        if (r.phase == RequestState.Phase.RUNNING) {
            backToWaiting(r);
        }
        return true;
    }

    /** Replaces the fitted models, e.g. after an online refit from observed step times. */
    public void updateModels(StepTimeModel step, PrefillTimeModel prefill) {
        this.stepModel = Objects.requireNonNull(step, "step");
        this.prefillModel = Objects.requireNonNull(prefill, "prefill");
    }

    /** Replaces the chunked engine's mixed-step model. */
    public void updateMixedModel(MixedStepModel mixed) {
        this.mixedModel = Objects.requireNonNull(mixed, "mixed");
    }

    public MixedStepModel mixedModel() {
        return mixedModel;
    }

    /**
     * Prefill-first admission from the head of the waiting queue; when it has been emptied, best-effort
     * requests may follow within the same budgets. {@code guarded} is false under light load
     * (GuardOptions.lowLoadFallback), when TPOT admission is set aside.
     */
    private StepPlan.Prefill admitForPrefill(double nowMs, boolean guarded) {
        List<RequestState> batch = new ArrayList<>();
        int tokens = admitFrom(waiting, nowMs, guarded, batch, 0);
        if (waiting.isEmpty() && !bestEffort.isEmpty()) {
            admitFrom(bestEffort, nowMs, guarded, batch, tokens);
        }
        return batch.isEmpty() ? null : new StepPlan.Prefill(batch, batch.stream().mapToInt(RequestState::prefillTokens)
                .sum());
    }

    /** Admits from the head of {@code queue} into {@code batch}; returns the batch's prompt tokens. */
    private int admitFrom(WaitingQueue queue, double nowMs, boolean guarded, List<RequestState> batch, int tokens) {
        while (!queue.isEmpty()) {
            RequestState c = queue.head(nowMs, config.starvationLimitMs());
            int t = c.prefillTokens();
            if (admitted.size() + 1 > config.maxNumSeqs()) {
                break;
            }
            // A recomputed request may have outgrown the budget; it then runs alone rather than never.
            boolean alone = batch.isEmpty() && c.hasFirstToken();
            if (tokens + t > config.maxNumBatchedTokens() && !alone) {
                break;
            }
            if (policy.tpotAdmission() && guarded
                    && !tpotGuard.admits(admitted, c, outputEstimate(c), stepModel,
                            options.prefillAwareAdmission() ? stallFactor() : 1.0)) {
                break;
            }
            if (!kv.canAllocatePrefill(t)) {
                break;
            }
            queue.remove(c);
            kv.allocatePrefill(c);
            c.phase = RequestState.Phase.RUNNING;
            admitted.add(c);
            batch.add(c);
            tokens += t;
        }
        return tokens;
    }

    /** Best effort: the TTFT rejections of this iteration wait at low priority instead. */
    private void demoteUnattainable(List<Rejection> rejections, List<RequestState> demoted) {
        for (var it = rejections.iterator(); it.hasNext(); ) {
            Rejection rejection = it.next();
            RequestState r = rejection.request();
            if (rejection.reason() == RejectReason.TTFT_UNATTAINABLE && !r.bestEffort) {
                it.remove();
                waiting.remove(r);
                r.bestEffort = true;
                bestEffort.add(r);
                demoted.add(r);
            }
        }
    }

    /** A best-effort request that never reached the engine within the starvation limit is rejected after all. */
    private void expireBestEffort(double nowMs, List<Rejection> rejections) {
        RequestState oldest;
        while ((oldest = bestEffort.oldest()) != null && !oldest.hasFirstToken()
                && nowMs - oldest.spec().arrivalMs() >= config.starvationLimitMs()) {
            bestEffort.remove(oldest);
            rejections.add(new Rejection(oldest, RejectReason.TTFT_UNATTAINABLE, String.format(
                    "TTFT SLO of %.0f ms could not be met and no spare capacity served it within %.0f ms",
                    oldest.slo().ttftMs(), config.starvationLimitMs())));
        }
    }

    /**
     * GuardOptions.lowLoadFallback: light load is when the whole live set would decode in one batch with
     * {@code step * gamma} under {@code lightLoad * T_min}; heavy above {@code heavyLoad * T_min}; between the
     * two the mode holds (hysteresis). Running sums make this O(1). Returns whether the TPOT Guard applies.
     */
    private boolean updateLoadMode() {
        if (!options.lowLoadFallback()) {
            return true;
        }
        int n = admitted.size() + waiting.size();
        boolean light;
        if (n == 0) {
            light = true;
        } else {
            double tMin = Math.min(admitted.isEmpty() ? Double.POSITIVE_INFINITY : admitted.tMin(),
                    waiting.isEmpty() ? Double.POSITIVE_INFINITY : waiting.tMin());
            double meanLength = (admitted.lengthSum() + (double) waiting.tokens()) / n;
            double load = stepModel.stepMs(n, meanLength) * config.gamma() / tMin;
            light = load < options.lightLoad() || (lightLoad && load <= options.heavyLoad());
        }
        if (light != lightLoad) {
            lightLoad = light;
            loadModeSwitches++;
            if (!light) {
                for (RequestState r : admitted.inAdmissionOrder()) {
                    r.credit = 0; // credits restart with the guard
                }
            }
        }
        return !lightLoad;
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

    // ---- the chunked-prefill engine (SchedulerConfig.chunkedPrefill), vLLM V1's scheduler ----

    /**
     * The prompt chunk a step of a TPOT-guarded policy may always carry, whatever its decodes: admission keeps room
     * for it (so prefill never stops while requests decode), and the step's chunk budget never falls below it.
     */
    static final int MIN_CHUNK_TOKENS = 64;

    /**
     * One iteration of the chunked engine: the rejection pass; the decodes of the running requests (filtered by
     * credits where the policy says so), each with the KV slot of its token, preempting the most recently admitted
     * request when blocks run out; then the rest of the token budget goes to prompt chunks, first to running requests
     * whose prefill is partial, in admission order, then to waiting requests in the policy's order, while the
     * sequence budget, TPOT admission and KV blocks (with the watermark for requests not yet running) allow. As in
     * vLLM V1, a step that had to preempt admits no new request. Under TPOT admission the chunks are further limited
     * so that the step, priced by the mixed-step model, stays within the tightest TPOT of the requests decoding.
     */
    private Iteration scheduleChunked(double nowMs) {
        List<RequestState> demoted = new ArrayList<>();
        List<Rejection> rejections = rejectionPass(nowMs, demoted);
        boolean guarded = updateLoadMode();
        List<RequestState> preempted = new ArrayList<>();

        // Credits skip a request only to keep the step fast enough for the tightest TPOT: when every decode and a
        // minimal chunk fit within it, all decode (a request skipped for nothing only finishes later).
        Decoding now = decoding();
        boolean credits = policy.credits() && guarded && !now.allFit();
        List<RequestState> decodes = CreditBatcher.select(admitted, credits,
                options.prefillAwareCredits() ? stallFactor() : 1.0);
        if (decodes.size() > config.maxNumBatchedTokens()) {
            decodes.subList(config.maxNumBatchedTokens(), decodes.size()).clear(); // one token each
        }
        reserveDecodeSlots(decodes, preempted);
        double meanLength = meanLengthOf(decodes);

        int budget = config.maxNumBatchedTokens() - decodes.size();
        if (policy.tpotAdmission() && guarded) {
            budget = Math.min(budget, tpotChunkBudget(decodes.size(), meanLength, now.tMin()));
        }
        List<StepPlan.PrefillChunk> chunks = new ArrayList<>();
        // Running requests with a partial prefill continue first.
        for (RequestState r : admitted.snapshot()) {
            if (budget <= 0) {
                break;
            }
            if (r.phase != RequestState.Phase.RUNNING || !r.isPrefilling()) {
                continue; // not prefilling, or preempted by an earlier request of this loop
            }
            int target = r.prefillTokens();
            int prefix = target - r.prefillRemaining;
            int chunk = Math.min(r.prefillRemaining, budget);
            if (!makeRoom(r, (long) prefix + chunk, decodes, chunks, preempted)) {
                continue;
            }
            kv.growTo(r, (long) prefix + chunk);
            chunks.add(new StepPlan.PrefillChunk(r, prefix, chunk, target));
            budget -= chunk;
        }
        if (preempted.isEmpty()) {
            budget = admitChunks(waiting, nowMs, guarded, chunks, budget);
            if (waiting.isEmpty() && !bestEffort.isEmpty()) {
                admitChunks(bestEffort, nowMs, guarded, chunks, budget);
            }
        }
        if (decodes.isEmpty() && chunks.isEmpty()) {
            return new Iteration(StepPlan.IDLE, rejections, preempted, demoted);
        }
        meanLength = meanLengthOf(decodes); // again: making room for a chunk may have preempted some
        StepPlan step = chunks.isEmpty() ? new StepPlan.Decode(decodes, meanLength)
                : new StepPlan.Mixed(decodes, meanLength, chunks);
        inFlight = step;
        return new Iteration(step, rejections, preempted, demoted);
    }

    /** Admits waiting requests with their first chunk, within {@code budget} tokens; returns the budget left. */
    private int admitChunks(WaitingQueue queue, double nowMs, boolean guarded, List<StepPlan.PrefillChunk> chunks,
                            int budget) {
        while (budget > 0 && !queue.isEmpty()) {
            RequestState c = queue.head(nowMs, config.starvationLimitMs());
            if (admitted.size() + 1 > config.maxNumSeqs()) {
                break;
            }
            if (policy.tpotAdmission() && guarded
                    && !tpotGuard.admitsMixed(admitted, c, outputEstimate(c), mixedModel, MIN_CHUNK_TOKENS)) {
                break;
            }
            int target = c.prefillTokens();
            int chunk = Math.min(target, budget);
            if (!kv.canGrowTo(c, chunk, kv.watermarkBlocks())) {
                break;
            }
            queue.remove(c);
            kv.growTo(c, chunk);
            c.phase = RequestState.Phase.RUNNING;
            admitted.add(c);
            c.prefillRemaining = target;
            chunks.add(new StepPlan.PrefillChunk(c, 0, chunk, target));
            budget -= chunk;
        }
        return budget;
    }

    /**
     * Preempts the most recently admitted requests until {@code r} can hold {@code tokens} tokens of KV (vLLM V1
     * preempts the last of its running list). Returns false when {@code r} itself had to go.
     */
    private boolean makeRoom(RequestState r, long tokens, List<RequestState> decodes,
                             List<StepPlan.PrefillChunk> chunks, List<RequestState> preempted) {
        while (!kv.canGrowTo(r, tokens, 0)) {
            RequestState victim = admitted.lastAdmitted();
            preempt(victim);
            preempted.add(victim);
            decodes.remove(victim);
            chunks.removeIf(c -> c.request() == victim);
            if (victim == r) {
                return false;
            }
        }
        return true;
    }

    private static double meanLengthOf(List<RequestState> decodes) {
        if (decodes.isEmpty()) {
            return 0;
        }
        long sum = 0;
        for (RequestState r : decodes) {
            sum += r.currentLength();
        }
        return (double) sum / decodes.size();
    }

    /**
     * The admitted requests whose prefill is done, in one pass: how many, their mean current length, their tightest
     * TPOT (infinite when none), and the prompt tokens still due to the others (partial prefills).
     */
    private Decoding decoding() {
        int count = 0;
        long lengths = 0;
        long prefillAhead = 0;
        double tMin = Double.POSITIVE_INFINITY;
        for (RequestState r : admitted.inAdmissionOrder()) {
            if (r.isPrefilling()) {
                prefillAhead += r.prefillRemaining;
            } else {
                count++;
                lengths += r.currentLength();
                tMin = Math.min(tMin, r.tpotSloMs());
            }
        }
        double meanLength = count == 0 ? 0 : (double) lengths / count;
        boolean allFit = !Double.isFinite(tMin) || stepWithinTpot(count, meanLength, tMin);
        return new Decoding(count, meanLength, tMin, prefillAhead, allFit);
    }

    /** @param allFit whether all of them can decode in one step with a minimal chunk, within {@code tMin} */
    private record Decoding(int count, double meanLength, double tMin, long prefillAhead, boolean allFit) {
    }

    /** Whether a step of {@code decodes} decodes and a minimal chunk keeps {@code step * gamma < headroom * tMin}. */
    private boolean stepWithinTpot(double decodes, double meanLength, double tMin) {
        double stepMs = mixedModel.stepMs(decodes, meanLength, MIN_CHUNK_TOKENS,
                MixedStepModel.attentionPairs(0, MIN_CHUNK_TOKENS));
        return stepMs * config.chunkedGamma() < config.admissionHeadroom() * tMin;
    }

    /**
     * Prompt-chunk tokens a step with {@code decodes} decodes of mean length {@code meanLength} may carry so that
     * {@code mixed(B, L, n, n^2) * gamma <= headroom * tMin} (chunks priced as if each started a prompt, the
     * cheapest attention, since a step may hold several): the TPOT Guard's rule applied to the step itself. Never
     * below {@link #MIN_CHUNK_TOKENS}, so that prefill always progresses; the whole budget when nothing decodes.
     */
    int tpotChunkBudget(int decodes, double meanLength, double tMin) {
        int full = config.maxNumBatchedTokens() - decodes;
        if (!Double.isFinite(tMin)) {
            return full;
        }
        double room = config.admissionHeadroom() * tMin / config.chunkedGamma()
                - mixedModel.stepMs(decodes, meanLength, 0, 0);
        double e = mixedModel.e();
        double f = mixedModel.f();
        double n;
        if (f > 0) { // f n^2 + e n - room <= 0
            n = (-e + Math.sqrt(e * e + 4 * f * Math.max(0, room))) / (2 * f);
        } else if (e > 0) {
            n = Math.max(0, room) / e;
        } else {
            return full; // a fit in which chunks cost nothing: nothing to limit
        }
        return (int) Math.max(MIN_CHUNK_TOKENS, Math.min(full, Math.floor(n)));
    }

    /**
     * The chunked engine's minimal TTFT of a request with {@code sum} prompt tokens queued up to and including it
     * (the analogue of spec 2.3): the prompt chunks still due to running requests go first, then the queue drains at
     * the chunk budget this engine would give a step now (the decode batch estimated by the virtual batch size where
     * credits apply), each step priced by the mixed-step model.
     */
    record ChunkedPrefillEstimate(long aheadTokens, int chunkBudget, double stepMs) {
        double ttftMs(long sum) {
            long steps = (aheadTokens + sum + chunkBudget - 1) / chunkBudget;
            return steps * stepMs;
        }
    }

    private ChunkedPrefillEstimate chunkedPrefillEstimate() {
        Decoding now = decoding();
        // With credits (and not all fitting), about VBS of the decoding requests run in a step.
        double batch = policy.credits() && !now.allFit() ? Math.min(now.count(), admitted.virtualBatchSize())
                : now.count();
        int budget = policy.tpotAdmission()
                ? tpotChunkBudget((int) Math.round(batch), now.meanLength(), now.tMin())
                : config.maxNumBatchedTokens() - now.count();
        budget = Math.max(1, budget);
        double stepMs = mixedModel.stepMs(batch, now.meanLength(), budget, MixedStepModel.attentionPairs(0, budget));
        return new ChunkedPrefillEstimate(now.prefillAhead(), budget, Math.max(stepMs, 1e-3));
    }

    private void preempt(RequestState r) {
        backToWaiting(r);
        r.preemptions++;
    }

    /** A running request leaves the admitted set and its KV blocks, and waits again (preemption, requeue). */
    private void backToWaiting(RequestState r) {
        admitted.remove(r);
        kv.free(r);
        r.phase = RequestState.Phase.WAITING;
        r.credit = 0;
        r.prefillRemaining = 0; // a partial prefill is recomputed from the start

        (r.bestEffort ? bestEffort : waiting).add(r);
    }

    private void end(RequestState r, RequestState.Phase phase, double nowMs) {
        switch (r.phase) {
            case WAITING -> {
                waiting.remove(r);
                bestEffort.remove(r);
            }
            case RUNNING -> {
                admitted.remove(r);
                kv.free(r);
                r.prefillRemaining = 0;
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

    static final double PREFILL_SHARE_WINDOW_MS = 2_000;

    /** 1 / (1 - recent share of engine time in prefill), capped at 10 (GuardOptions.prefillAware*). */
    private double stallFactor() {
        return 1 / (1 - Math.min(prefillShare, 0.9));
    }

    // ---- what-if estimates, for placing a request among several engines ----

    /**
     * The minimal TTFT a new request of {@code promptTokens} would have here if it went behind everything
     * waiting now (spec 2.3): the prefill of all of it at once.
     */
    public double minimalTtftMs(int promptTokens) {
        return prefillModel.prefillMs(waiting.tokens() + (long) promptTokens);
    }

    /** The TPOT the TPOT Guard would predict for this request were it admitted now (spec 4). */
    public double predictedTpotMs(RequestSpec spec) {
        RequestState probe = new RequestState(spec, -1);
        int output = policy.usesPredictor() && spec.hasPrediction() ? spec.predictedOutputTokens() : spec.maxTokens();
        return TpotGuard.predictedStepMs(admitted, probe, output, stepModel);
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

    /** Requests waiting at low priority (GuardOptions.bestEffort). */
    public int bestEffortCount() {
        return bestEffort.size();
    }

    public GuardOptions options() {
        return options;
    }

    /** Under GuardOptions.lowLoadFallback: whether the TPOT Guard is set aside for light load right now. */
    public boolean lightLoadMode() {
        return lightLoad;
    }

    /** How often the low-load fallback switched mode. */
    public long loadModeSwitches() {
        return loadModeSwitches;
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

    /** Sum of 1 / TPOT SLO over the admitted set (VBS = T_min times this); what an engine snapshot carries. */
    public double inverseTpotSum() {
        return admitted.inverseTpotSum();
    }

    /** Sum of the admitted requests' current lengths (prompt plus generated tokens). */
    public long admittedLengthSum() {
        return admitted.lengthSum();
    }

    /** Prompt tokens of every waiting request: what a new request's minimal TTFT queues behind. */
    public long waitingTokens() {
        return waiting.tokens();
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
