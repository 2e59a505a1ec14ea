package io.scorpio.server.ingress;

import io.scorpio.server.api.ApiError;
import io.scorpio.model.RejectReason;
import io.scorpio.model.RequestOutcome;
import io.scorpio.model.Slo;

/**
 * A prompt the guard would refuse at submit ({@code prompt_too_long}, {@code kv_capacity_exceeded}), refused by the
 * ingress before it is tokenized in full or predicted ({@link PromptLimits}). It is still a request the service
 * rejected, counted as the guard's refusal was ({@code outcome="rejected"} with its reason, and in its SLO class), and
 * a WebSocket client gets a {@code rejected} message for it, not an {@code error}.
 */
final class PromptRefused extends ApiError {

    private final Slo slo;

    PromptRefused(ApiError refusal, Slo slo) {
        super(refusal);
        this.slo = slo;
    }

    Slo slo() {
        return slo;
    }

    /** Counts it as the guard's own refusal would have been counted. */
    void count(io.scorpio.server.metrics.ServerMetrics metrics) {
        metrics.outcome(RequestOutcome.REJECTED, code());
        metrics.sloClasses().ended(slo, RequestOutcome.REJECTED);
    }

    static boolean isRefusal(String code) {
        return code.equals(RejectReason.PROMPT_TOO_LONG.errorType()) || code.equals(RejectReason.KV_CAPACITY_EXCEEDED.errorType());
    }
}
