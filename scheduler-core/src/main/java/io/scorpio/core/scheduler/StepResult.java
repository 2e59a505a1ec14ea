package io.scorpio.core.scheduler;

import java.util.Set;

/**
 * What a worker reports after running a {@link StepPlan}: how long the step took, and which sequences
 * stopped on their own (end of sequence) with the token this step produced. Every sequence of the batch
 * produced one token; a sequence that reaches its {@code maxTokens} stops whether listed here or not.
 */
public record StepResult(double durationMs, Set<String> stopped) {
    public StepResult {
        if (!(durationMs >= 0) || !Double.isFinite(durationMs)) {
            throw new IllegalArgumentException("a step's duration must be finite and >= 0, got " + durationMs);
        }
        stopped = Set.copyOf(stopped);
    }

    public static StepResult of(double durationMs) {
        return new StepResult(durationMs, Set.of());
    }
}
