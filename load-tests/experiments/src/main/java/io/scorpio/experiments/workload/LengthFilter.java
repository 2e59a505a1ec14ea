package io.scorpio.experiments.workload;

import io.scorpio.model.LengthSample;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which requests a run keeps. {@link #PAPER} is the Scorpio paper's filter (spec section 7): prompt and output at
 * least 4 tokens, prompt at most 1,024 (one prefill step's budget, no chunked prefill), prompt + output at most 2,048.
 */
public record LengthFilter(int minPrompt, int minOutput, int maxPrompt, int maxTotal) implements Predicate<LengthSample> {

    public static final LengthFilter PAPER = new LengthFilter(4, 4, 1024, 2048);
    /** Keeps everything. */
    public static final LengthFilter NONE = new LengthFilter(0, 0, Integer.MAX_VALUE, Integer.MAX_VALUE);

    public boolean accepts(int promptTokens, int outputTokens) {
        return promptTokens >= minPrompt && outputTokens >= minOutput && promptTokens <= maxPrompt
                && (long) promptTokens + outputTokens <= maxTotal;
    }

    @Override
    public boolean test(LengthSample s) {
        return accepts(s.promptTokens(), s.outputTokens());
    }

    public List<LengthSample> apply(List<LengthSample> samples) {
        return samples.stream().filter(this).toList();
    }
}
