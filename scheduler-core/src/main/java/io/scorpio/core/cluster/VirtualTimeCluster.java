package io.scorpio.core.cluster;

import io.scorpio.core.engine.EngineListener;
import io.scorpio.core.engine.StepWorker;
import io.scorpio.core.scheduler.Iteration;
import io.scorpio.core.scheduler.Rejection;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.core.scheduler.StepOutcome;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.core.scheduler.SubmitResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Several engines in virtual time, each its own {@link Scheduler} and {@link StepWorker} running steps
 * independently, with a {@link Placement} choosing each request's engine on arrival. With migration on, a
 * request one engine's TTFT Guard rejects is moved, once, to the engine with the most room for it if its
 * deadline can still be met there (the minimal TTFT there plus the margin fits its slack), rather than
 * rejected: the paper's stated future work.
 */
public final class VirtualTimeCluster {

    /** One engine: its scheduler and its worker. */
    public record Engine(Scheduler scheduler, StepWorker worker) {
    }

    /** Totals of one run. */
    public record RunStats(double endMs, long steps, double busyMs, long decisionNanos, int migrations) {
    }

    private final List<Engine> engines;
    private final List<Scheduler> schedulers;
    private final Placement placement;
    private final boolean migrate;
    private final EngineListener listener;

    public VirtualTimeCluster(List<Engine> engines, Placement placement, boolean migrate, EngineListener listener) {
        if (engines.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one engine");
        }
        this.engines = List.copyOf(engines);
        this.schedulers = this.engines.stream().map(Engine::scheduler).toList();
        this.placement = placement;
        this.migrate = migrate;
        this.listener = listener;
    }

    /** Runs until every request has ended. */
    public RunStats run(List<RequestSpec> requests) {
        List<RequestSpec> arrivals = new ArrayList<>(requests);
        arrivals.sort(Comparator.comparingDouble(RequestSpec::arrivalMs));
        int n = engines.size();
        StepPlan[] inFlight = new StepPlan[n];
        StepResult[] results = new StepResult[n];
        double[] stepStart = new double[n];
        Set<String> migrated = new HashSet<>();
        double now = arrivals.isEmpty() ? 0 : arrivals.get(0).arrivalMs();
        int next = 0;
        long steps = 0;
        double busy = 0;
        long decisionNanos = 0;
        int migrations = 0;
        while (next < arrivals.size() || anyWork()) {
            for (int i = 0; i < n; i++) {
                if (inFlight[i] != null && stepStart[i] + results[i].durationMs() <= now) {
                    double end = stepStart[i] + results[i].durationMs();
                    long t0 = System.nanoTime();
                    StepOutcome outcome = schedulers.get(i).complete(results[i], end);
                    decisionNanos += System.nanoTime() - t0;
                    listener.stepCompleted(inFlight[i], results[i], stepStart[i]);
                    for (RequestState r : outcome.advanced()) {
                        listener.token(r, end);
                    }
                    for (RequestState r : outcome.finished()) {
                        listener.finished(r, end);
                    }
                    inFlight[i] = null;
                }
            }
            while (next < arrivals.size() && arrivals.get(next).arrivalMs() <= now) {
                RequestSpec spec = arrivals.get(next++);
                long t0 = System.nanoTime();
                int e = placement.place(spec, schedulers, now);
                SubmitResult submitted = schedulers.get(e).submit(spec, now);
                decisionNanos += System.nanoTime() - t0;
                if (submitted instanceof SubmitResult.Refused refused) {
                    listener.refused(refused, now);
                }
            }
            boolean idleWithWork = false;
            for (int i = 0; i < n; i++) {
                Scheduler s = schedulers.get(i);
                if (inFlight[i] != null || !s.hasWork()) {
                    continue;
                }
                long t0 = System.nanoTime();
                Iteration it = s.schedule(now);
                decisionNanos += System.nanoTime() - t0;
                for (Rejection rejection : it.rejections()) {
                    int target = migrate && migrated.add(rejection.request().id())
                            ? Placement.migrationTarget(rejection, schedulers, i, now, j -> true) : -1;
                    if (target >= 0) {
                        schedulers.get(target).submit(rejection.request().spec(), now);
                        migrations++;
                        listener.migrated(rejection, target, now);
                        idleWithWork |= inFlight[target] == null && target < i;
                    } else {
                        listener.rejected(rejection, now);
                    }
                }
                for (RequestState r : it.preempted()) {
                    listener.preempted(r, now);
                }
                for (RequestState r : it.demoted()) {
                    listener.demoted(r, now);
                }
                if (it.step() instanceof StepPlan.Idle) {
                    if (s.hasWork()) {
                        // e.g. every request of the decode batch preempted: it schedules again at once
                        if (it.rejections().isEmpty() && it.preempted().isEmpty() && it.demoted().isEmpty()) {
                            throw new IllegalStateException("engine " + i + " idle with live requests");
                        }
                        idleWithWork = true;
                    }
                    continue;
                }
                results[i] = engines.get(i).worker().run(it.step());
                inFlight[i] = it.step();
                stepStart[i] = now;
                steps++;
                busy += results[i].durationMs();
            }
            if (idleWithWork) {
                continue; // a migration reached an engine already passed over at this instant
            }
            double t = next < arrivals.size() ? arrivals.get(next).arrivalMs() : Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (inFlight[i] != null) {
                    t = Math.min(t, stepStart[i] + results[i].durationMs());
                }
            }
            if (t == Double.POSITIVE_INFINITY) {
                if (anyWork()) {
                    throw new IllegalStateException("engines idle with live requests");
                }
                break;
            }
            now = Math.max(now, t);
        }
        return new RunStats(now, steps, busy, decisionNanos, migrations);
    }

    private boolean anyWork() {
        for (Scheduler s : schedulers) {
            if (s.hasWork()) {
                return true;
            }
        }
        return false;
    }
}
