package io.scorpio.core.policy;

/** Which rule, if any, rejects requests whose TTFT cannot be met (spec 3 and 6). */
public enum RejectionRule {
    /** Never reject for the SLO. */
    NONE,
    /** Scorpio's pass every iteration: reject when slack < minimal TTFT + margin (spec 3). */
    UNATTAINABLE_TTFT,
    /** Mooncake's rule: judge each request once, when first seen, on TTFT and TPOT (spec 6). */
    MOONCAKE_EARLY
}
