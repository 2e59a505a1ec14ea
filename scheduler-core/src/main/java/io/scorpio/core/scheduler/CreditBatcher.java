package io.scorpio.core.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * Credit-based batching (spec 4): every decode iteration, a request with the tightest TPOT runs; any
 * other adds its TRP to its credit and runs when the credit reaches 1, paying 1. Over many steps request i
 * runs in a fraction TRP_i of them, so its TPOT is about {@code step / TRP_i}.
 */
final class CreditBatcher {

    /** Credits are sums of fractions like 0.6: allow for the rounding of five of them to 2.9999999999999996. */
    static final double EPSILON = 1e-9;

    private CreditBatcher() {
    }

    /** The decode batch, in admission order. Without credits, every admitted request runs. */
    static List<RequestState> select(AdmittedSet set, boolean credits) {
        return select(set, credits, 1.0);
    }

    /**
     * As above, with each credit increment stretched by {@code stallFactor} >= 1 (capped at a run every step),
     * so that a request slowed by prefill stalls between decode steps runs more often
     * (GuardOptions.prefillAware); 1 is the paper's rule.
     */
    static List<RequestState> select(AdmittedSet set, boolean credits, double stallFactor) {
        List<RequestState> batch = new ArrayList<>(set.size());
        if (!credits) {
            for (RequestState r : set.inAdmissionOrder()) {
                if (!r.isPrefilling()) { // chunked prefill: its prompt is not done, it has nothing to decode yet
                    batch.add(r);
                }
            }
            return batch;
        }
        double tMin = set.tMin();
        for (RequestState r : set.inAdmissionOrder()) {
            if (r.isPrefilling()) {
                continue; // no decode yet, so no credit: its TPOT clock starts with its first token
            }
            if (r.tpotSloMs() == tMin) {
                batch.add(r);
                continue;
            }
            r.credit += Math.min(1.0, stallFactor * tMin / r.tpotSloMs());
            if (r.credit >= 1 - EPSILON) {
                r.credit -= 1;
                batch.add(r);
            }
        }
        return batch;
    }
}
