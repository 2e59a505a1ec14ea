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

    public TokenizedPrompt tokenize(String text) {
        Encoding encoding = truncating.encode(text);
        long[] ids = encoding.getIds();
        int full = ids.length;
        if (ids.length >= maxInputTokens) {
            full = counting.encode(text).getIds().length;
        }
        return new TokenizedPrompt(ids, full);
    }

    @Override
    public void close() {
        truncating.close();
        counting.close();
    }
}
