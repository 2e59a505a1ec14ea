package io.scorpio.core.policy;

/**
 * Options beyond the paper, each off by default so that the seven policies behave exactly as specified.
 *
 * @param lowLoadFallback under light load, drop TPOT admission and credits (every admitted request decodes
 *     every step, as vLLM does), removing the small low-load loss the paper reports; switch back under load
 * @param lightLoad light load is when the whole live set (admitted and waiting) would decode in
 *     {@code step * gamma} below this fraction of its tightest TPOT
 * @param heavyLoad and heavy when above this fraction; in between the mode stays as it is, so that it does
 *     not oscillate
 * @param bestEffort instead of rejecting a request whose TTFT cannot be met, serve it at lower priority when
 *     no regular request is waiting; it still ends rejected if it waits past the starvation limit
 * @param prefillAwareCredits count the prefill steps that stall decoding in credits: with p the recent share
 *     of engine time spent in prefill, credits grow by {@code TRP / (1 - p)} instead of TRP, so that a request
 *     whose decode steps are spread out by prefills runs more often
 * @param prefillAwareAdmission and in admission: test {@code step / (1 - p)} instead of the step time
 */
public record GuardOptions(boolean lowLoadFallback, double lightLoad, double heavyLoad, boolean bestEffort,
                           boolean prefillAwareCredits, boolean prefillAwareAdmission) {

    /** The paper's behaviour. */
    public static final GuardOptions NONE = new GuardOptions(false, 0.5, 0.8, false, false, false);

    public GuardOptions {
        if (!(lightLoad > 0 && lightLoad < heavyLoad && Double.isFinite(heavyLoad))) {
            throw new IllegalArgumentException("need 0 < lightLoad < heavyLoad, got " + lightLoad + ", " + heavyLoad);
        }
    }

    public GuardOptions withLowLoadFallback(boolean on) {
        return new GuardOptions(on, lightLoad, heavyLoad, bestEffort, prefillAwareCredits, prefillAwareAdmission);
    }

    public GuardOptions withBestEffort(boolean on) {
        return new GuardOptions(lowLoadFallback, lightLoad, heavyLoad, on, prefillAwareCredits, prefillAwareAdmission);
    }

    public GuardOptions withPrefillAware(boolean credits, boolean admission) {
        return new GuardOptions(lowLoadFallback, lightLoad, heavyLoad, bestEffort, credits, admission);
    }

    /** Whether the scheduler must track its recent share of time in prefill. */
    public boolean prefillAware() {
        return prefillAwareCredits || prefillAwareAdmission;
    }
}
