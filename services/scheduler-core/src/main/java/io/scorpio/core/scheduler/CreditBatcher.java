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
        List<RequestState> batch = new ArrayList<>(set.size());
        if (!credits) {
            batch.addAll(set.inAdmissionOrder());
            return batch;
        }
        double tMin = set.tMin();
        for (RequestState r : set.inAdmissionOrder()) {
            if (r.tpotSloMs() == tMin) {
                batch.add(r);
                continue;
            }
            r.credit += tMin / r.tpotSloMs();
            if (r.credit >= 1 - EPSILON) {
                r.credit -= 1;
                batch.add(r);
            }
        }
        return batch;
    }
}
