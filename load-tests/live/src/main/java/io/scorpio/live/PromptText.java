package io.scorpio.live;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Prompt text with an exact cl100k token count, the tokenizer the service counts prompts with: the workloads
 * give lengths, not text, and the scheduler's decisions depend on the prompt length it sees.
 *
 * <p>" the" is one cl100k token and the pre-tokenizer splits at every space, so "the the ... the" with n words
 * is n tokens. {@link #of} checks the count rather than trusting that.
 */
public final class PromptText {

    private static final Encoding CL100K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

    private PromptText() {
    }

    public static String of(int tokens) {
        if (tokens < 1) {
            throw new IllegalArgumentException("a prompt needs at least one token");
        }
        String text = "the" + " the".repeat(tokens - 1);
        int counted = count(text);
        if (counted != tokens) {
            throw new IllegalStateException("built " + counted + " cl100k tokens for " + tokens);
        }
        return text;
    }

    public static int count(String text) {
        return CL100K.countTokensOrdinary(text);
    }
}
