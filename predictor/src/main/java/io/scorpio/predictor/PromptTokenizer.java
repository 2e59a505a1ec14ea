package io.scorpio.predictor;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/**
 * Turns a prompt into the model's token ids, truncated to the model's input limit (special tokens kept), and counts
 * the prompt's tokens before truncation (the {@code prompt_tokens} input).
 */
public final class PromptTokenizer implements AutoCloseable {

    /** The ids fed to the model (at most maxInputTokens) and the untruncated token count. */
    public record TokenizedPrompt(long[] ids, int fullTokenCount) {
    }

    private final HuggingFaceTokenizer truncating;
    private final HuggingFaceTokenizer counting;
    private final int maxInputTokens;

    public PromptTokenizer(byte[] tokenizerJson, int maxInputTokens) {
        this.maxInputTokens = maxInputTokens;
        try {
            this.truncating = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), Map.of(
                    "truncation", "true", "maxLength", Integer.toString(maxInputTokens), "padding", "false",
                    "addSpecialTokens", "true"));
            this.counting = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), Map.of(
                    "truncation", "false", "padding", "false", "addSpecialTokens", "true",
                    "modelMaxLength", Integer.toString(Integer.MAX_VALUE)));
        } catch (IOException | RuntimeException e) {
            throw new ModelContractException("the tokenizer cannot be loaded: " + e.getMessage(), e);
        }
    }

    /**
     * The model sees only the first {@code maxInputTokens} tokens, and a token spans far fewer than this many chars:
     * the truncating pass reads this much of the text at most, so a 1 MB prompt costs what a short one does.
     */
    static final int CHARS_PER_INPUT_TOKEN = 16;
    /**
     * The full count reads at most this many chars per input token (16,384 for a 256-token model; the training
     * prompts are all shorter); a longer text's count is extrapolated from that prefix, in proportion to its length.
     */
    static final int COUNTED_CHARS_PER_INPUT_TOKEN = 64;

    public TokenizedPrompt tokenize(String text) {
        Encoding encoding = truncating.encode(head(text, (long) maxInputTokens * CHARS_PER_INPUT_TOKEN));
        long[] ids = encoding.getIds();
        int full = ids.length;
        if (ids.length >= maxInputTokens) {
            String counted = head(text, (long) maxInputTokens * COUNTED_CHARS_PER_INPUT_TOKEN);
            full = counting.encode(counted).getIds().length;
            if (counted.length() < text.length()) {
                full = (int) Math.min(Integer.MAX_VALUE, Math.round((double) full * text.length() / counted.length()));
            }
        }
        return new TokenizedPrompt(ids, full);
    }

    /** The first {@code chars} chars of the text (one fewer rather than half a surrogate pair). */
    static String head(String text, long chars) {
        if (text.length() <= chars) {
            return text;
        }
        int end = (int) chars;
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }

    @Override
    public void close() {
        truncating.close();
        counting.close();
    }
}
