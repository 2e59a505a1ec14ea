package io.scorpio.experiments.workload;

import java.util.Objects;
import java.util.Optional;

/**
 * One (prompt, response) length pair from a dataset, before it becomes a timed request.
 *
 * @param sourceId     where it came from in its dataset (row number or question id)
 * @param promptTokens prompt length in tokens
 * @param outputTokens the response length in tokens; the simulated worker is forced to produce exactly this many
 * @param promptText   the prompt's text where the dataset has it (Arena-Hard), else null, so a real predictor can run
 * @param censored     true when the response hit the generation cap, so the true length is only a lower bound
 */
public record LengthSample(String sourceId, int promptTokens, int outputTokens, String promptText, boolean censored) {

    public LengthSample {
        Objects.requireNonNull(sourceId, "sourceId");
        if (promptTokens < 0 || outputTokens < 0) {
            throw new IllegalArgumentException("lengths must be >= 0: " + promptTokens + ", " + outputTokens);
        }
    }

    public Optional<String> text() {
        return Optional.ofNullable(promptText);
    }
}
