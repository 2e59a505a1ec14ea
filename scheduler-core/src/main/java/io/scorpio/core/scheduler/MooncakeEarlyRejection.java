package io.scorpio.core.scheduler;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.model.RejectReason;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Mooncake's own early-rejection rule (spec 6): each request is judged once, when first seen. With a
 * running sum over the not-yet-judged requests, reject r when {@code TTFT_SLO < T_prefill(sum)} or
 * {@code TPOT_SLO < step(1, I + O/2)}, where I = (current lengths of the admitted requests + the sum) /
 * (admitted + 1). A rejected request's tokens leave the sum.
 */
final class MooncakeEarlyRejection {

    private final ArrayDeque<RequestState> unjudged = new ArrayDeque<>();

    void arrived(RequestState r) {
        unjudged.add(r);
    }

    void judge(WaitingQueue queue, AdmittedSet admitted, PrefillTimeModel prefill, StepTimeModel step,
               ToIntFunction<RequestState> outputEstimate, List<Rejection> out) {
        long sum = 0;
        while (!unjudged.isEmpty()) {
            RequestState r = unjudged.poll();
            if (r.phase != RequestState.Phase.WAITING || r.judged) {
                continue; // aborted before it was judged
            }
            r.judged = true;
            sum += r.prefillTokens();
            double ttft = prefill.prefillMs(sum);
            double meanLength = (admitted.lengthSum() + (double) sum) / (admitted.size() + 1);
            double tpot = step.predictTpotMs(1, meanLength, outputEstimate.applyAsInt(r));
            RejectReason reason = null;
            String message = null;
            if (r.slo().ttftMs() < ttft) {
                reason = RejectReason.TTFT_UNATTAINABLE;
                message = String.format("TTFT SLO of %.0f ms is below the %.0f ms prefill of the %d tokens ahead",
                        r.slo().ttftMs(), ttft, sum);
            } else if (r.tpotSloMs() < tpot) {
                reason = RejectReason.TPOT_UNATTAINABLE;
                message = String.format("TPOT SLO of %.0f ms is below the %.1f ms predicted for a batch of one",
                        r.tpotSloMs(), tpot);
            }
            if (reason != null) {
                sum -= r.prefillTokens();
                queue.remove(r);
                out.add(new Rejection(r, reason, message));
            }
        }
    }
}
