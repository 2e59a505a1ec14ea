package io.scorpio.core.scheduler;

import java.util.Map;
import java.util.Set;

/**
 * What a worker reports after running a {@link StepPlan}: how long the step took, which sequences stopped on their
 * own (end of sequence) with the last token this step produced, and how many tokens each sequence produced.
 *
 * <p>A worker that runs the plan itself (step-level control, the simulated GPU) leaves {@code tokens} empty: every
 * sequence of the batch produced one token. A worker in front of a server that batches for itself (request-level
 * control: vLLM's API) relays what its server streamed, which need not be one token a step: it reports 0 for a
 * sequence of the batch that has nothing yet and more than one where the server ran ahead of the relay. A sequence
 * that reaches its {@code maxTokens} stops whether listed in {@code stopped} or not (tokens past it are not counted).
 *
 * @param tokens the tokens each sequence of the batch produced, where that is not one; counts >= 0
 */
public record StepResult(double durationMs, Set<String> stopped, Map<String, Integer> tokens) {
    public StepResult {
        if (!(durationMs >= 0) || !Double.isFinite(durationMs)) {
            throw new IllegalArgumentException("a step's duration must be finite and >= 0, got " + durationMs);
        }
        stopped = Set.copyOf(stopped);
        tokens = Map.copyOf(tokens);
        for (Map.Entry<String, Integer> e : tokens.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalArgumentException("a sequence cannot produce " + e.getValue() + " tokens (" + e.getKey() + ")");
            }
        }
    }

    /** Every sequence of the batch produced one token. */
    public StepResult(double durationMs, Set<String> stopped) {
        this(durationMs, stopped, Map.of());
    }

    public static StepResult of(double durationMs) {
        return new StepResult(durationMs, Set.of());
    }

    /** The tokens a sequence of the step's batch produced (one unless {@link #tokens} says otherwise). */
    public int tokensOf(String id) {
        return tokens.getOrDefault(id, 1);
    }
}
