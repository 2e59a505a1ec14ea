package io.scorpio.core.engine;

import io.scorpio.core.cluster.VirtualTimeCluster;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.Scheduler;
import java.util.List;

/**
 * Drives one {@link Scheduler} and its {@link StepWorker} in virtual time: requests arrive at their
 * {@code arrivalMs}; a step takes the time the worker reports; requests that arrive during a step are seen when
 * it ends, as in a real engine loop. Also measures the wall-clock time spent in the guard's decisions
 * ({@code submit}, {@code schedule} and {@code complete}), the overhead the paper's Table 2 reports.
 *
 * <p>It is a cluster of one engine: {@link VirtualTimeCluster} holds the loop, so that one engine and many
 * behave alike by construction.
 */
public final class VirtualTimeEngine {

    private final VirtualTimeCluster cluster;

    public VirtualTimeEngine(Scheduler scheduler, StepWorker worker, EngineListener listener) {
        this.cluster = new VirtualTimeCluster(List.of(new VirtualTimeCluster.Engine(scheduler, worker)),
                (spec, engines, nowMs) -> 0, false, listener);
    }

    /** Runs until every request has ended. */
    public VirtualTimeCluster.RunStats run(List<RequestSpec> requests) {
        return cluster.run(requests);
    }
}
