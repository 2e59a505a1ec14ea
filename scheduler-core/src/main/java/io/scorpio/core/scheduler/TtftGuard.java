package io.scorpio.core.scheduler;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.model.RejectReason;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongToDoubleFunction;

/**
 * The TTFT Guard's unattainable-SLO rejection (spec 3): walk the waiting queue in order with a running sum
 * of prefill tokens, and reject request r when {@code deadline_r - now < T_prefill(sum) + margin}; a
 * rejected request's tokens leave the sum.
 *
 * <p>Requests that already streamed a token (preempted ones) are never rejected: a client that has tokens
 * must get the rest, so they only count towards the sum.
 *
 * <p>In deadline order the walk may stop early: once a request's slack covers the prefill of everything
 * still waiting, no request behind it (later deadline, smaller prefix) can be rejected.
 */
final class TtftGuard {

    private final double marginMs;

    TtftGuard(double marginMs) {
        this.marginMs = marginMs;
    }

    /** Rejects unattainable requests from {@code queue}, appending them to {@code out}. */
    void rejectUnattainable(WaitingQueue queue, double nowMs, PrefillTimeModel prefill, boolean deadlineOrdered,
                            List<Rejection> out) {
        rejectUnattainable(queue, nowMs, prefill::prefillMs, prefill::maxPrefillMsUpTo, deadlineOrdered, out);
    }

    /**
     * As above with any estimate of the minimal TTFT from the queued prompt tokens up to and including a request
     * ({@code minimalTtft}), and a true upper bound of it over every sum up to a given one ({@code maxUpTo}); the
     * chunked-prefill engine prices the drain differently from spec 2.3's single prefill.
     */
    void rejectUnattainable(WaitingQueue queue, double nowMs, LongToDoubleFunction minimalTtftMs,
                            LongToDoubleFunction maxUpTo, boolean deadlineOrdered, List<Rejection> out) {
        long sum = 0;
        // Slack that no request behind can fall short of; it only shrinks as rejections shrink the queue.
        double safeSlack = maxUpTo.applyAsDouble(queue.tokens()) + marginMs;
        for (Iterator<RequestState> it = queue.iterator(); it.hasNext(); ) {
            RequestState r = it.next();
            boolean rejectable = !r.hasFirstToken();
            double slack = r.deadlineMs() - nowMs;
            if (deadlineOrdered && rejectable && slack >= safeSlack) {
                return;
            }
            sum += r.prefillTokens();
            if (!rejectable) {
                continue;
            }
            double minimalTtft = minimalTtftMs.applyAsDouble(sum);
            if (slack < minimalTtft + marginMs) {
                out.add(new Rejection(r, RejectReason.TTFT_UNATTAINABLE, String.format(
                        "TTFT SLO of %.0f ms cannot be met: %.0f ms left before the deadline, minimal TTFT %.0f ms"
                                + " for %d prompt tokens queued up to and including this one (+%.0f ms margin)",
                        r.slo().ttftMs(), slack, minimalTtft, sum, marginMs)));
                sum -= r.prefillTokens();
                it.remove();
                safeSlack = maxUpTo.applyAsDouble(queue.tokens()) + marginMs;
            }
        }
    }
}
