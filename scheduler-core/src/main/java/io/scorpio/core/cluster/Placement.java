package io.scorpio.core.cluster;

import io.scorpio.core.scheduler.Rejection;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.model.RejectReason;
import java.util.List;
import java.util.function.IntPredicate;

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

    /**
     * How much time the request's TTFT deadline leaves on {@code engine} beyond its minimal TTFT there and the
     * rejection margin: negative when that engine's TTFT Guard would reject it now.
     */
    static double ttftRoomMs(RequestSpec spec, Scheduler engine, double nowMs) {
        return spec.deadlineMs() - nowMs - engine.minimalTtftMs(spec.promptTokens()) - engine.config().rejectionMarginMs();
    }

    /** {@link #headroom(RequestSpec, Scheduler, double)} from another node's snapshot of the engine. */
    static double headroom(RequestSpec spec, EngineSnapshot engine, double nowMs) {
        double ttft = (spec.deadlineMs() - nowMs - engine.minimalTtftMs(spec.promptTokens())) / spec.slo().ttftMs();
        double tpot = (spec.slo().tpotMs() - engine.predictedTpotMs(spec)) / spec.slo().tpotMs();
        return Math.min(ttft, tpot);
    }

    /** {@link #ttftRoomMs(RequestSpec, Scheduler, double)} from another node's snapshot of the engine. */
    static double ttftRoomMs(RequestSpec spec, EngineSnapshot engine, double nowMs) {
        return spec.deadlineMs() - nowMs - engine.minimalTtftMs(spec.promptTokens()) - engine.rejectionMarginMs();
    }

    /**
     * Migration (the paper's future work): the engine a TTFT rejection from engine {@code from} should move to
     * instead: the other engine with the most TTFT room, if that room is not negative; -1 when there is none,
     * or when the rejection is not for TTFT or the request already has its first token. {@code candidates}
     * says which engines may take it (e.g. those whose worker is in service).
     */
    static int migrationTarget(Rejection rejection, List<Scheduler> engines, int from, double nowMs,
                               IntPredicate candidates) {
        if (rejection.reason() != RejectReason.TTFT_UNATTAINABLE || rejection.request().hasFirstToken()) {
            return -1;
        }
        RequestSpec spec = rejection.request().spec();
        int best = -1;
        double bestRoom = 0;
        for (int j = 0; j < engines.size(); j++) {
            if (j == from || !candidates.test(j)) {
                continue;
            }
            double room = ttftRoomMs(spec, engines.get(j), nowMs);
            if (room >= bestRoom) {
                best = j;
                bestRoom = room;
            }
        }
        return best;
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
