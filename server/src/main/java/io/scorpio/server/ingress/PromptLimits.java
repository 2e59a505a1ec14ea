package io.scorpio.server.ingress;

import io.scorpio.server.api.ApiError;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.RejectReason;
import io.scorpio.server.config.NodeSettings;

/**
 * The prompt sizes the guard refuses at submit (a prompt over the prefill budget without chunked prefill, or a
 * prompt plus {@code max_tokens} over the whole KV cache), known at the ingress so that such a prompt is refused
 * before it is tokenized in full or sent to the predictor: a refused 1 MB prompt must cost microseconds, not seconds.
 * Mirrors {@code Scheduler.submit}; the guard still checks, this only answers earlier.
 */
record PromptLimits(boolean chunked, int prefillBudget, long kvTokens) {

    static PromptLimits of(NodeSettings settings) {
        SchedulerConfig c = settings.guard().policy().engineConfig(settings.guard().scheduler());
        return new PromptLimits(c.chunkedPrefill(), c.maxNumBatchedTokens(),
                (long) (c.kvBlocks() - c.watermarkBlocks()) * c.blockSize());
    }

    /** The most prompt tokens a request with this {@code max_tokens} may have. */
    int maxPromptTokens(int maxTokens) {
        long kv = Math.max(0, kvTokens - maxTokens);
        return (int) Math.min(chunked ? Integer.MAX_VALUE - 1 : prefillBudget, Math.min(kv, Integer.MAX_VALUE - 1));
    }

    /** The refusal of a prompt of more than {@link #maxPromptTokens} tokens, as the guard would word it. */
    ApiError refusal(int maxTokens) {
        int limit = maxPromptTokens(maxTokens);
        boolean prefillBinds = !chunked && prefillBudget <= kvTokens - maxTokens;
        RejectReason reason = prefillBinds ? RejectReason.PROMPT_TOO_LONG : RejectReason.KV_CAPACITY_EXCEEDED;
        String message = prefillBinds
                ? "prompt of more than " + limit + " tokens exceeds the " + prefillBudget + "-token prefill budget"
                : "prompt of more than " + limit + " tokens plus max_tokens of " + maxTokens + " exceeds the KV cache ("
                        + kvTokens + " tokens)";
        return new ApiError(400, reason.errorType(), prefillBinds ? "prompt" : "max_tokens", reason.errorType(), message);
    }
}
