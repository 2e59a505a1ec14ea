package io.scorpio.live;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.RejectReason;

/**
 * One request's life as the client sees it, turned into a {@link RequestResult} exactly once. Times are ms since
 * the run's start on the client's monotonic clock; "arrival" is when the client sent the request, so TTFT and
 * TPOT are what a user of the service would measure (network and gateway included).
 *
 * <p>Synchronized because the stream's event loop and the run's deadline timer may race to end it.
 */
final class Tracker {

    final WorkloadRequest w;
    private final double sentMs;
    private double firstMs = Double.NaN;
    private double lastMs;
    private int tokens;
    private RequestResult result;
    /** Aborts the request on the wire (reset the HTTP stream, or send a WebSocket abort). */
    private Runnable abort = () -> { };

    private final GapHistogram gaps;

    Tracker(WorkloadRequest w, double sentMs, GapHistogram gaps) {
        this.w = w;
        this.gaps = gaps;
        this.sentMs = sentMs;
        this.lastMs = sentMs;
    }

    synchronized void onAbort(Runnable abort) {
        this.abort = abort;
    }

    synchronized void token(double nowMs) {
        if (result != null) {
            return;
        }
        if (tokens == 0) {
            firstMs = nowMs;
        } else if (gaps != null) {
            gaps.record(nowMs - lastMs);
        }
        tokens++;
        lastMs = nowMs;
    }

    /** The stream ended normally ([DONE] or done): completed, its end the last token's arrival. */
    synchronized RequestResult completed(double nowMs) {
        if (result != null) {
            return null;
        }
        if (tokens == 0) {
            return failed(nowMs, "stream ended without a token");
        }
        return done(result = RequestResult.completed(w.id(), w.sloClass(), w.slo(), sentMs, firstMs, lastMs, tokens));
    }

    synchronized RequestResult rejected(double nowMs, RejectReason reason) {
        if (result != null) {
            return null;
        }
        if (tokens > 0) {
            return failed(nowMs, "rejected after " + tokens + " tokens");
        }
        return done(result = RequestResult.rejected(w.id(), w.sloClass(), w.slo(), sentMs, Math.max(sentMs, nowMs), reason));
    }

    synchronized RequestResult failed(double nowMs, String why) {
        if (result != null) {
            return null;
        }
        return done(result = RequestResult.failed(w.id(), w.sloClass(), w.slo(), sentMs, firstMs,
                Math.max(lastMs, nowMs), tokens, why));
    }

    /** The client gave up on it (the run's time limit): aborted on the wire and counted as aborted. */
    synchronized RequestResult abortNow(double nowMs) {
        if (result != null) {
            return null;
        }
        abort.run();
        return done(result = RequestResult.aborted(w.id(), w.sloClass(), w.slo(), sentMs, firstMs,
                Math.max(lastMs, nowMs), tokens));
    }

    /** Called with the result set: nothing more to abort, so let go of the wire objects. */
    private RequestResult done(RequestResult r) {
        abort = () -> { };
        return r;
    }

    synchronized boolean ended() {
        return result != null;
    }

    int tokens() {
        return tokens;
    }
}
