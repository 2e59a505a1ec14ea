package io.scorpio.predictor.data;

/**
 * One (prompt, answer length) pair: the prompt text, its Llama-3 token count, the answer's Llama-3 token count,
 * and whether the answer hit the generator's cap (then its true length is only known to be at least that).
 */
public record LengthSample(String id, String prompt, int promptTokens, int outputTokens, boolean censored) {
}
