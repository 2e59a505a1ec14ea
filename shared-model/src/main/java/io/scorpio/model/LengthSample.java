package io.scorpio.model;

import java.util.Objects;
import java.util.Optional;

/**
 * One (prompt, answer length) pair from a dataset: what the predictor learns from and what the experiments turn into
 * a timed request.
 *
 * @param sourceId     where it came from in its dataset (row number or question id)
 * @param promptTokens prompt length in tokens
 * @param outputTokens the answer's length in tokens; a simulated worker is forced to produce exactly this many
 * @param promptText   the prompt's text where the dataset has it (Arena-Hard, CASTILLO), else null
 * @param censored     true when the answer hit the generator's cap, so its true length is only known to be at least
 *                     this long
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
