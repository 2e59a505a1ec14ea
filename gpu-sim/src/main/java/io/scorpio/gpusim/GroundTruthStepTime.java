package io.scorpio.gpusim;

import java.util.Objects;

/**
 * The expected duration of one engine step of the simulated GPU: the "truth" that the simulated worker emulates.
 * Deliberately built from physical pieces and measured tables, not from Scorpio's own
 * {@code a*B*L + b*B + c*L + d} form, so that the scheduler's fitted model is an approximation of it:
 *
 * <pre>
 *   prefill(n_1..n_k) = linear(sum n_i) + p * sum n_i^2 + overhead + overheadPerSeq * k
 *   decode(c_1..c_B)  = linear(B) + (sum c_i) * kvBytesPerToken / (bandwidth * efficiency) + overhead + overheadPerSeq * B
 *   mixed             = linear(B + sum n_j) + p * sum n_j * (2 q_j + n_j) + (sum c_i) * kvBytesPerToken / (bandwidth * efficiency)
 *                       + overhead + overheadPerSeq * (B + k)
 * </pre>
 *
 * The mixed step is the chunked-prefill engine's: B decodes and k prompt chunks, chunk j of {@code n_j} tokens after
 * {@code q_j} already prefilled ones. Its chunk attends to its own prefix and causally to itself,
 * {@code n_j * (q_j + n_j / 2)} token pairs, at the cost per pair of a whole prompt's ({@code p * n^2} is
 * {@code n^2 / 2} pairs); so the chunks of one prompt cost together what the prompt costs at once.
 *
 * where {@code linear} is the measured, interpolated non-attention time of one forward pass over that many tokens
 * (a decode step feeds one token per sequence) and {@code c_i} is the number of tokens whose KV cache sequence i
 * reads this step (prompt + tokens generated so far). Times in milliseconds. Thread-safe (immutable).
 */
public final class GroundTruthStepTime {

    private final GpuProfile profile;
    /** ms per KV byte read in decode, precomputed. */
    private final double msPerKvByte;

    public GroundTruthStepTime(GpuProfile profile) {
        this.profile = Objects.requireNonNull(profile, "profile");
        double bytesPerMs = profile.hbmBandwidthGBps() * 1e9 / 1e3 * profile.decodeAttentionEfficiency();
        this.msPerKvByte = 1.0 / bytesPerMs;
    }

    public GpuProfile profile() {
        return profile;
    }

    /** Expected time of a prefill step over these prompts (one entry per sequence, tokens of its prompt). */
    public double prefillMs(int[] promptTokensPerSeq) {
        if (promptTokensPerSeq.length == 0) {
            return 0.0;
        }
        long tokens = 0;
        double squares = 0;
        for (int n : promptTokensPerSeq) {
            requireNonNegative(n, "prompt length");
            tokens += n;
            squares += (double) n * n;
        }
        return profile.linearTime().msAt(Math.toIntExact(tokens))
                + profile.prefillAttentionMsPerToken2() * squares
                + overheadMs(promptTokensPerSeq.length);
    }

    /** Expected time of a decode step (one token per sequence) given each sequence's current context length. */
    public double decodeMs(int[] contextLengthsPerSeq) {
        if (contextLengthsPerSeq.length == 0) {
            return 0.0;
        }
        long context = 0;
        for (int c : contextLengthsPerSeq) {
            requireNonNegative(c, "context length");
            context += c;
        }
        return profile.linearTime().msAt(contextLengthsPerSeq.length)
                + decodeAttentionMs(context)
                + overheadMs(contextLengthsPerSeq.length);
    }

    /**
     * Expected time of a mixed step of the chunked-prefill engine: a decode for each of {@code decodeContexts} (the
     * tokens of KV each reads) and a prompt chunk of {@code chunkTokens[j]} tokens after {@code chunkPrefix[j]} already
     * prefilled ones. With no chunks it is {@link #decodeMs}; with no decodes and every prefix 0, {@link #prefillMs}.
     */
    public double mixedMs(int[] decodeContexts, int[] chunkPrefix, int[] chunkTokens) {
        if (chunkPrefix.length != chunkTokens.length) {
            throw new IllegalArgumentException("a prefix for every chunk: " + chunkPrefix.length + " != "
                    + chunkTokens.length);
        }
        int sequences = decodeContexts.length + chunkTokens.length;
        if (sequences == 0) {
            return 0.0;
        }
        long context = 0;
        for (int c : decodeContexts) {
            requireNonNegative(c, "context length");
            context += c;
        }
        long tokens = decodeContexts.length;
        double pairs = 0; // in units of p: n^2 for a whole prompt
        for (int j = 0; j < chunkTokens.length; j++) {
            requireNonNegative(chunkPrefix[j], "chunk prefix");
            requireNonNegative(chunkTokens[j], "chunk length");
            tokens += chunkTokens[j];
            pairs += (double) chunkTokens[j] * (2.0 * chunkPrefix[j] + chunkTokens[j]);
        }
        return profile.linearTime().msAt(Math.toIntExact(tokens))
                + profile.prefillAttentionMsPerToken2() * pairs
                + decodeAttentionMs(context)
                + overheadMs(sequences);
    }

    /** Convenience for reports: a decode step of {@code batch} sequences that all have context {@code context}. */
    public double decodeMsUniform(int batch, int context) {
        int[] c = new int[batch];
        java.util.Arrays.fill(c, context);
        return decodeMs(c);
    }

    /** The memory-bound attention part of a decode step that reads {@code totalContextTokens} tokens of KV. */
    public double decodeAttentionMs(long totalContextTokens) {
        return totalContextTokens * (double) profile.kvBytesPerToken() * msPerKvByte;
    }

    private double overheadMs(int sequences) {
        return profile.stepOverheadMs() + profile.stepOverheadPerSeqMs() * sequences;
    }

    private static void requireNonNegative(int n, String what) {
        if (n < 0) {
            throw new IllegalArgumentException(what + " must be >= 0: " + n);
        }
    }
}
