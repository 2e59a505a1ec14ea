package io.scorpio.gpusim;

import io.scorpio.core.engine.StepWorker;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The simulated GPU worker: runs the prefill or decode step the scheduler picked and reports a duration
 * sampled from the ground truth ({@link GroundTruthStepTime} with multiplicative noise). It is the same
 * object in virtual time (experiments add the duration to a virtual clock) and in real time (the service
 * waits it out).
 *
 * <p>What vLLM V0 splits between its scheduler and its workers is split the same way here: continuous
 * batching, the token and sequence budgets, the paged KV cache's block accounting and recompute
 * preemption live in the scheduling core ({@code Scheduler}, {@code KvBlockManager}), configured with this
 * worker's 20,000 blocks of 16 tokens; the worker's job is to take the time a real GPU would take.
 *
 * <p>A sequence stops on its own when it reaches its true output length, if one is known (the experiments
 * force each request's length, as the paper's runs do); otherwise it runs to its {@code max_tokens}.
 */
public final class SimulatedGpuWorker implements StepWorker {

    /** No known output length: the sequence runs to max_tokens. */
    public static final int UNKNOWN_LENGTH = -1;

    private final StepTimeSampler sampler;
    private final ToIntFunction<String> trueOutputLength;

    public SimulatedGpuWorker(StepTimeSampler sampler, ToIntFunction<String> trueOutputLength) {
        this.sampler = sampler;
        this.trueOutputLength = trueOutputLength;
    }

    /** A worker whose sequences always run to max_tokens. */
    public static SimulatedGpuWorker untilMaxTokens(StepTimeSampler sampler) {
        return new SimulatedGpuWorker(sampler, id -> UNKNOWN_LENGTH);
    }

    @Override
    public StepResult run(StepPlan step) {
        if (step instanceof StepPlan.Mixed mixed) {
            return runMixed(mixed);
        }
        List<RequestState> batch = step.batch();
        if (batch.isEmpty()) {
            return StepResult.of(0);
        }
        int[] tokens = new int[batch.size()];
        Set<String> stopped = new HashSet<>();
        for (int i = 0; i < tokens.length; i++) {
            RequestState r = batch.get(i);
            // A prefill computes the KV of the whole (re)computed prompt; a decode reads every token so far.
            tokens[i] = step instanceof StepPlan.Prefill ? r.prefillTokens() : r.currentLength();
            int length = trueOutputLength.applyAsInt(r.id());
            if (length != UNKNOWN_LENGTH && r.generatedTokens() + 1 >= length) {
                stopped.add(r.id());
            }
        }
        double ms = step instanceof StepPlan.Prefill ? sampler.prefillMs(tokens) : sampler.decodeMs(tokens);
        return new StepResult(ms, stopped);
    }

    /** A step of the chunked-prefill engine: decodes and prompt chunks in one forward pass. */
    private StepResult runMixed(StepPlan.Mixed step) {
        int[] contexts = new int[step.decodes().size()];
        for (int i = 0; i < contexts.length; i++) {
            contexts[i] = step.decodes().get(i).currentLength();
        }
        int[] prefix = new int[step.chunks().size()];
        int[] tokens = new int[prefix.length];
        for (int j = 0; j < prefix.length; j++) {
            prefix[j] = step.chunks().get(j).prefix();
            tokens[j] = step.chunks().get(j).tokens();
        }
        Set<String> stopped = new HashSet<>();
        for (RequestState r : step.batch()) { // the decodes, and the chunks that complete a prompt
            int length = trueOutputLength.applyAsInt(r.id());
            if (length != UNKNOWN_LENGTH && r.generatedTokens() + 1 >= length) {
                stopped.add(r.id());
            }
        }
        return new StepResult(sampler.mixedMs(contexts, prefix, tokens), stopped);
    }

    public StepTimeSampler sampler() {
        return sampler;
    }
}
