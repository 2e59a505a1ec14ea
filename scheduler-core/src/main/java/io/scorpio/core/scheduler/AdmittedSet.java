package io.scorpio.core.scheduler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The TPOT Guard's admitted set (spec 4), kept exact: a request leaves it when it finishes, is aborted or
 * is preempted, and is never counted twice. T_min, the virtual batch size and the sum of current lengths
 * are running values, so admission needs no scan of the set.
 *
 * <p>VBS = sum of T_min / TPOT_i = T_min * sum of 1 / TPOT_i, so one running sum of inverse TPOTs serves
 * whatever T_min is.
 */
final class AdmittedSet {

    private final TreeMap<Long, RequestState> byAdmission = new TreeMap<>();
    private final TreeMap<Double, Integer> tpotCounts = new TreeMap<>();
    private double inverseTpotSum;
    private long lengthSum;
    private long nextAdmission;

    void add(RequestState r) {
        r.admissionSeq = nextAdmission++;
        r.credit = 0;
        byAdmission.put(r.admissionSeq, r);
        tpotCounts.merge(r.tpotSloMs(), 1, Integer::sum);
        inverseTpotSum += 1.0 / r.tpotSloMs();
        lengthSum += r.currentLength();
    }

    boolean remove(RequestState r) {
        if (byAdmission.remove(r.admissionSeq, r)) {
            tpotCounts.computeIfPresent(r.tpotSloMs(), (k, n) -> n == 1 ? null : n - 1);
            lengthSum -= r.currentLength();
            if (byAdmission.isEmpty()) {
                inverseTpotSum = 0; // drop accumulated rounding error
                lengthSum = 0;
            } else {
                inverseTpotSum -= 1.0 / r.tpotSloMs();
            }
            return true;
        }
        return false;
    }

    /** Call after a member's {@code generatedTokens} grew by one. */
    void onTokensGenerated(int n) {
        lengthSum += n;
    }

    boolean isEmpty() {
        return byAdmission.isEmpty();
    }

    int size() {
        return byAdmission.size();
    }

    /** The smallest TPOT SLO in the set; NaN when empty. */
    double tMin() {
        return tpotCounts.isEmpty() ? Double.NaN : tpotCounts.firstKey();
    }

    /** TPOT-relative proportionality of a member: T_min / TPOT_i. */
    double trp(RequestState r) {
        return tMin() / r.tpotSloMs();
    }

    double virtualBatchSize() {
        return isEmpty() ? 0 : tMin() * inverseTpotSum;
    }

    double inverseTpotSum() {
        return inverseTpotSum;
    }

    long lengthSum() {
        return lengthSum;
    }

    /** The most recently admitted member: the first to preempt. */
    RequestState lastAdmitted() {
        Map.Entry<Long, RequestState> e = byAdmission.lastEntry();
        return e == null ? null : e.getValue();
    }

    /** Members in admission order. */
    Collection<RequestState> inAdmissionOrder() {
        return byAdmission.values();
    }

    List<RequestState> snapshot() {
        return new ArrayList<>(byAdmission.values());
    }
}
