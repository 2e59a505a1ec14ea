package io.scorpio.experiments.metrics;

import io.scorpio.model.RejectReason;
import io.scorpio.model.RequestOutcome;
import io.scorpio.model.Slo;
import java.util.Objects;

/**
 * How one request of a run went. Times are ms on the run's clock (virtual or real).
 *
 * @param id            request id
 * @param sloClass      its SLO class name
 * @param slo           its targets
 * @param arrivalMs     arrival at the service
 * @param firstTokenMs  when its first token reached the client; NaN if it never produced one
 * @param endMs         when it ended: last token (completed), rejection, abort or failure
 * @param outputTokens  tokens delivered
 * @param outcome       how it ended
 * @param rejectReason  why it was rejected (REJECTED only, else null)
 * @param failureReason what broke (FAILED only, may be set for ABORTED; else null)
 */
public record RequestResult(
        long id,
        String sloClass,
        Slo slo,
        double arrivalMs,
        double firstTokenMs,
        double endMs,
        int outputTokens,
        RequestOutcome outcome,
        RejectReason rejectReason,
        String failureReason) {

    public RequestResult {
        Objects.requireNonNull(sloClass, "sloClass");
        Objects.requireNonNull(slo, "slo");
        Objects.requireNonNull(outcome, "outcome");
        if (!Double.isFinite(arrivalMs) || !Double.isFinite(endMs) || endMs < arrivalMs) {
            throw new IllegalArgumentException("request " + id + ": need finite arrival <= end, got " + arrivalMs
                    + ", " + endMs);
        }
        if (!Double.isNaN(firstTokenMs) && (firstTokenMs < arrivalMs || firstTokenMs > endMs)) {
            throw new IllegalArgumentException("request " + id + ": first token outside [arrival, end]");
        }
        if (outputTokens < 0) {
            throw new IllegalArgumentException("request " + id + ": negative output tokens");
        }
        if ((outcome == RequestOutcome.REJECTED) != (rejectReason != null)) {
            throw new IllegalArgumentException("request " + id + ": a reject reason goes with REJECTED and only then");
        }
        if (outcome == RequestOutcome.COMPLETED && (Double.isNaN(firstTokenMs) || outputTokens < 1)) {
            throw new IllegalArgumentException("request " + id + ": a completed request has a first token");
        }
        if (outcome == RequestOutcome.REJECTED && (!Double.isNaN(firstTokenMs) || outputTokens != 0)) {
            throw new IllegalArgumentException("request " + id + ": a rejected request produced no token");
        }
    }

    public static RequestResult completed(long id, String sloClass, Slo slo, double arrivalMs, double firstTokenMs,
            double finishMs, int outputTokens) {
        return new RequestResult(id, sloClass, slo, arrivalMs, firstTokenMs, finishMs, outputTokens,
                RequestOutcome.COMPLETED, null, null);
    }

    public static RequestResult rejected(long id, String sloClass, Slo slo, double arrivalMs, double rejectedAtMs,
            RejectReason reason) {
        return new RequestResult(id, sloClass, slo, arrivalMs, Double.NaN, rejectedAtMs, 0, RequestOutcome.REJECTED,
                Objects.requireNonNull(reason, "reason"), null);
    }

    public static RequestResult aborted(long id, String sloClass, Slo slo, double arrivalMs, double firstTokenMs,
            double abortedAtMs, int outputTokens) {
        return new RequestResult(id, sloClass, slo, arrivalMs, firstTokenMs, abortedAtMs, outputTokens,
                RequestOutcome.ABORTED, null, null);
    }

    public static RequestResult failed(long id, String sloClass, Slo slo, double arrivalMs, double firstTokenMs,
            double failedAtMs, int outputTokens, String reason) {
        return new RequestResult(id, sloClass, slo, arrivalMs, firstTokenMs, failedAtMs, outputTokens,
                RequestOutcome.FAILED, null, Objects.requireNonNull(reason, "reason"));
    }

    public boolean hasFirstToken() {
        return !Double.isNaN(firstTokenMs);
    }

    /** Arrival to first token; NaN without one. */
    public double ttftMs() {
        return firstTokenMs - arrivalMs;
    }

    /** Arrival to end. */
    public double e2eMs() {
        return endMs - arrivalMs;
    }

    /** (E2E - TTFT) / (n_out - 1): mean time per token after the first; 0 when n_out <= 1; NaN without a first token. */
    public double tpotMs() {
        if (!hasFirstToken()) {
            return Double.NaN;
        }
        return outputTokens <= 1 ? 0.0 : (e2eMs() - ttftMs()) / (outputTokens - 1);
    }

    public boolean completed() {
        return outcome == RequestOutcome.COMPLETED;
    }

    /** Completed with TTFT above its target. */
    public boolean ttftViolated() {
        return completed() && ttftMs() > slo.ttftMs();
    }

    /** Completed with TPOT above its target. */
    public boolean tpotViolated() {
        return completed() && tpotMs() > slo.tpotMs();
    }

    /** Spec 1: completed, TTFT <= its SLO and TPOT <= its SLO. */
    public boolean compliant() {
        return completed() && !ttftViolated() && !tpotViolated();
    }
}
