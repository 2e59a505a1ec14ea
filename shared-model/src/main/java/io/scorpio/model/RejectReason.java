package io.scorpio.model;

/**
 * Why the guard refused a request before its first token. The {@link #errorType()} is what clients see
 * in the OpenAI-style error body.
 */
public enum RejectReason {
    /** Its TTFT deadline cannot be met even if everything ahead of it ran as one prefill (spec 3). */
    TTFT_UNATTAINABLE("slo_unattainable_ttft", false),
    /** Its TPOT target is below the step time of a batch of one (Mooncake's early rule, spec 6). */
    TPOT_UNATTAINABLE("slo_unattainable_tpot", false),
    /** Its prompt exceeds what one prefill step may hold (no chunked prefill, spec 5). */
    PROMPT_TOO_LONG("prompt_too_long", false),
    /** Its prompt needs more KV-cache blocks than the worker has in all. */
    KV_CAPACITY_EXCEEDED("kv_capacity_exceeded", false);

    private final String errorType;
    private final boolean retryable;

    RejectReason(String errorType, boolean retryable) {
        this.errorType = errorType;
        this.retryable = retryable;
    }

    public String errorType() {
        return errorType;
    }

    /** Whether a client may sensibly retry the same request unchanged. */
    public boolean retryable() {
        return retryable;
    }
}
