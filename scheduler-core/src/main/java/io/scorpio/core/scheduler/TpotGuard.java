package io.scorpio.core.scheduler;

import io.scorpio.core.model.MixedStepModel;
import io.scorpio.core.model.StepTimeModel;

/**
 * The TPOT Guard's VBS-based admission (spec 4). For candidate c: {@code T_min' = min(T_min, TPOT_c)},
 * {@code VBS' = VBS over the set plus c under T_min'}, {@code I} the mean current length of the set plus c,
 * {@code O} c's predicted output; admit when {@code step(VBS', I + O/2) * gamma < headroom * T_min'}.
 *
 * <p>One addition over the reference: an empty engine always takes its head. Waiting protects no one when
 * nothing runs, and without this a request whose TPOT no batch can meet would block its queue for ever
 * under a policy that never rejects.
 */
final class TpotGuard {

    private final double gamma;
    private final double headroom;

    TpotGuard(double gamma, double headroom) {
        this.gamma = gamma;
        this.headroom = headroom;
    }

    boolean admits(AdmittedSet set, RequestState c, int outputTokens, StepTimeModel step) {
        return admits(set, c, outputTokens, step, 1.0);
    }

    /**
     * As above, with the predicted step stretched by {@code stallFactor} >= 1: the time per decode step that
     * prefill steps add in between (GuardOptions.prefillAware); 1 is the paper's rule.
     */
    boolean admits(AdmittedSet set, RequestState c, int outputTokens, StepTimeModel step, double stallFactor) {
        if (set.isEmpty()) {
            return true;
        }
        return predictedStepMs(set, c, outputTokens, step) * stallFactor * gamma < headroom * tMinWith(set, c);
    }

    /**
     * Admission on the chunked-prefill engine: as {@link #admits}, but the step that the admitted set would decode in
     * also carries a prompt chunk of {@code reservedChunk} tokens, priced by the mixed-step model, so that admitting c
     * leaves room for prefill to go on.
     */
    boolean admitsMixed(AdmittedSet set, RequestState c, int outputTokens, MixedStepModel mixed, int reservedChunk) {
        if (set.isEmpty()) {
            return true;
        }
        double tMin = tMinWith(set, c);
        double vbs = tMin * (set.inverseTpotSum() + 1.0 / c.tpotSloMs());
        double meanLength = (set.lengthSum() + (double) c.currentLength()) / (set.size() + 1);
        double stepMs = mixed.stepMs(vbs, meanLength + outputTokens / 2.0, reservedChunk,
                MixedStepModel.attentionPairs(0, reservedChunk));
        return stepMs * gamma < headroom * tMin;
    }

    /** {@code step(VBS', I + O/2)}: the predicted TPOT of the batch were c admitted. */
    static double predictedStepMs(AdmittedSet set, RequestState c, int outputTokens, StepTimeModel step) {
        double tMin = tMinWith(set, c);
        double vbs = tMin * (set.inverseTpotSum() + 1.0 / c.tpotSloMs());
        double meanLength = (set.lengthSum() + (double) c.currentLength()) / (set.size() + 1);
        return step.predictTpotMs(vbs, meanLength, outputTokens);
    }

    static double tMinWith(AdmittedSet set, RequestState c) {
        return set.isEmpty() ? c.tpotSloMs() : Math.min(set.tMin(), c.tpotSloMs());
    }
}
