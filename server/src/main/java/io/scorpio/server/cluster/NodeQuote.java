package io.scorpio.server.cluster;

import io.scorpio.core.cluster.EngineSnapshot;
import io.scorpio.core.cluster.Placement;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.Scheduler;
import java.util.Collection;
import java.util.List;

/**
 * What one node offers a request: the most headroom ({@link Placement#headroom}) and the most TTFT room it would have
 * on one of the node's engines in service. A guard computes it from its schedulers (a quote); an entry node computes
 * the same from the engines' snapshots. A node with no engine in service offers {@link #NO_ENGINE_IN_SERVICE}, far
 * below any other, so it is chosen only when nothing else is left.
 *
 * @param draining the node is shutting down: placement passes it over
 */
public record NodeQuote(String node, double headroom, double ttftRoomMs, boolean draining) {

    public static final double NO_ENGINE_IN_SERVICE = -1e9;

    /** A guard's quote, on its exact state. */
    public static NodeQuote of(String node, RequestSpec spec, List<Scheduler> engines, boolean[] healthy, boolean draining,
                               double nowMs) {
        double best = NO_ENGINE_IN_SERVICE;
        double room = NO_ENGINE_IN_SERVICE;
        for (int e = 0; e < engines.size(); e++) {
            if (healthy[e]) {
                best = Math.max(best, Placement.headroom(spec, engines.get(e), nowMs));
                room = Math.max(room, Placement.ttftRoomMs(spec, engines.get(e), nowMs));
            }
        }
        return new NodeQuote(node, best, room, draining);
    }

    /** The same, from the node's engine snapshots. */
    public static NodeQuote of(String node, RequestSpec spec, Collection<EngineSnapshot> engines, double nowMs) {
        double best = NO_ENGINE_IN_SERVICE;
        double room = NO_ENGINE_IN_SERVICE;
        boolean draining = false;
        for (EngineSnapshot s : engines) {
            draining |= s.draining();
            if (s.healthy()) {
                best = Math.max(best, Placement.headroom(spec, s, nowMs));
                room = Math.max(room, Placement.ttftRoomMs(spec, s, nowMs));
            }
        }
        return new NodeQuote(node, best, room, draining);
    }
}
