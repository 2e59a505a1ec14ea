package io.scorpio.core.scheduler;

import io.scorpio.model.Slo;

/**
 * The scheduler's live view of one request. Read-only to the outside; only the scheduler's own classes
 * change it, so that every change keeps the admitted set's running sums and the KV accounting exact.
 */
public final class RequestState {

    /** Where a request is. The last three are final. */
    public enum Phase { WAITING, RUNNING, FINISHED, REJECTED, ABORTED }

    private final RequestSpec spec;
    private final long arrivalSeq;

    Phase phase = Phase.WAITING;
    int generatedTokens;
    int kvBlocks;
    double credit;
    long admissionSeq = -1;
    double firstTokenMs = Double.NaN;
    double endMs = Double.NaN;
    boolean judged;
    boolean bestEffort;
    int preemptions;
    /** Chunked prefill: prompt tokens still to compute before it decodes (0 when it decodes or waits). */
    int prefillRemaining;

    RequestState(RequestSpec spec, long arrivalSeq) {
        this.spec = spec;
        this.arrivalSeq = arrivalSeq;
    }

    public String id() {
        return spec.id();
    }

    public RequestSpec spec() {
        return spec;
    }

    public Slo slo() {
        return spec.slo();
    }

    public double tpotSloMs() {
        return spec.slo().tpotMs();
    }

    public double deadlineMs() {
        return spec.deadlineMs();
    }

    /** Order of submission; breaks every tie so that equal keys keep arrival order. */
    public long arrivalSeq() {
        return arrivalSeq;
    }

    public Phase phase() {
        return phase;
    }

    public int generatedTokens() {
        return generatedTokens;
    }

    /** Prompt plus generated tokens: the L of the step-time model. */
    public int currentLength() {
        return spec.promptTokens() + generatedTokens;
    }

    /** Tokens its next prefill must process: the prompt, plus what it generated before a preemption. */
    public int prefillTokens() {
        return currentLength();
    }

    /**
     * Whether it is running with a partial prefill (chunked prefill): admitted and holding KV blocks, but with prompt
     * tokens still to compute before its next token.
     */
    public boolean isPrefilling() {
        return prefillRemaining > 0;
    }

    /** Prompt tokens (with recomputed ones) still to compute before its next token; 0 unless prefilling. */
    public int prefillRemaining() {
        return prefillRemaining;
    }

    public int kvBlocks() {
        return kvBlocks;
    }

    public double credit() {
        return credit;
    }

    /** Whether its TTFT was found unattainable and it waits at low priority instead of being rejected. */
    public boolean isBestEffort() {
        return bestEffort;
    }

    public int preemptions() {
        return preemptions;
    }

    /** Whether a token has reached the client: from then on the request can no longer be rejected. */
    public boolean hasFirstToken() {
        return generatedTokens > 0;
    }

    public double firstTokenMs() {
        return firstTokenMs;
    }

    /** When it finished, was rejected or was aborted; NaN while live. */
    public double endMs() {
        return endMs;
    }

    public boolean isLive() {
        return phase == Phase.WAITING || phase == Phase.RUNNING;
    }

    @Override
    public String toString() {
        return "Request[" + spec.id() + " " + phase + " prompt=" + spec.promptTokens() + " gen=" + generatedTokens
                + " ttft=" + spec.slo().ttftMs() + " tpot=" + spec.slo().tpotMs() + "]";
    }
}
