package io.scorpio.core.cluster;

import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.Scheduler;
import java.util.List;

/** Chooses which engine a new request goes to. Pure: it reads the engines' schedulers and changes nothing. */
@FunctionalInterface
public interface Placement {

    /** The index in {@code engines} of the engine that should take {@code spec}. */
    int place(RequestSpec spec, List<Scheduler> engines, double nowMs);

    /**
     * SLO-aware placement: the engine whose predicted TTFT and TPOT leave the request the most headroom,
     * each relative to its own target: {@code min((slack - minimal TTFT) / TTFT_SLO, (TPOT_SLO - predicted
     * TPOT) / TPOT_SLO)}. Ties go to the lower index.
     */
    static Placement sloAware() {
        return (spec, engines, nowMs) -> {
            int best = 0;
            double bestHeadroom = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < engines.size(); i++) {
                double headroom = headroom(spec, engines.get(i), nowMs);
                if (headroom > bestHeadroom) {
                    best = i;
                    bestHeadroom = headroom;
                }
            }
            return best;
        };
    }

    static double headroom(RequestSpec spec, Scheduler engine, double nowMs) {
        double ttft = (spec.deadlineMs() - nowMs - engine.minimalTtftMs(spec.promptTokens())) / spec.slo().ttftMs();
        double tpot = (spec.slo().tpotMs() - engine.predictedTpotMs(spec)) / spec.slo().tpotMs();
        return Math.min(ttft, tpot);
    }

    /** The engine with the fewest live requests: a load balancer that knows nothing of SLOs. */
    static Placement leastLoaded() {
        return (spec, engines, nowMs) -> {
            int best = 0;
            for (int i = 1; i < engines.size(); i++) {
                if (engines.get(i).liveCount() < engines.get(best).liveCount()) {
                    best = i;
                }
            }
            return best;
        };
    }
}
