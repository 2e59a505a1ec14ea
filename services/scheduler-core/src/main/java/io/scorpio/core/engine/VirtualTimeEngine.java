package io.scorpio.core.engine;

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
import java.util.List;

/**
 * Drives a {@link Scheduler} and a {@link StepWorker} in virtual time: requests arrive at their
 * {@code arrivalMs}; a step takes the time the worker reports; requests that arrive during a step are
 * seen when it ends, as in a real engine loop. Also measures the wall-clock time spent in the guard's
 * decisions ({@code schedule} and {@code complete}), the overhead the paper's Table 2 reports.
 */
public final class VirtualTimeEngine {

    /** Totals of one run. */
    public record RunStats(double endMs, long steps, long prefillSteps, long decodeSteps, double busyMs,
                           long decisionNanos) {
    }

    private final Scheduler scheduler;
    private final StepWorker worker;
    private final EngineListener listener;

    public VirtualTimeEngine(Scheduler scheduler, StepWorker worker, EngineListener listener) {
        this.scheduler = scheduler;
        this.worker = worker;
        this.listener = listener;
    }

    /** Runs until every request has ended. */
    public RunStats run(List<RequestSpec> requests) {
        List<RequestSpec> arrivals = new ArrayList<>(requests);
        arrivals.sort(Comparator.comparingDouble(RequestSpec::arrivalMs));
        double now = arrivals.isEmpty() ? 0 : arrivals.get(0).arrivalMs();
        int next = 0;
        long steps = 0;
        long prefills = 0;
        long decodes = 0;
        double busy = 0;
        long decisionNanos = 0;
        while (next < arrivals.size() || scheduler.hasWork()) {
            while (next < arrivals.size() && arrivals.get(next).arrivalMs() <= now) {
                SubmitResult submitted = scheduler.submit(arrivals.get(next++), now);
                if (submitted instanceof SubmitResult.Refused refused) {
                    listener.refused(refused, now);
                }
            }
            long t0 = System.nanoTime();
            Iteration iteration = scheduler.schedule(now);
            decisionNanos += System.nanoTime() - t0;
            for (Rejection rejection : iteration.rejections()) {
                listener.rejected(rejection, now);
            }
            for (RequestState r : iteration.preempted()) {
                listener.preempted(r, now);
            }
            for (RequestState r : iteration.demoted()) {
                listener.demoted(r, now);
            }
            StepPlan step = iteration.step();
            if (step instanceof StepPlan.Idle) {
                if (next < arrivals.size()) {
                    now = Math.max(now, arrivals.get(next).arrivalMs());
                    continue;
                }
                if (scheduler.hasWork() && iteration.rejections().isEmpty() && iteration.preempted().isEmpty()
                        && iteration.demoted().isEmpty()) {
                    throw new IllegalStateException("scheduler idle with " + scheduler.liveCount() + " live requests");
                }
                continue;
            }
            StepResult result = worker.run(step);
            double start = now;
            now += result.durationMs();
            busy += result.durationMs();
            steps++;
            if (step instanceof StepPlan.Prefill) {
                prefills++;
            } else {
                decodes++;
            }
            t0 = System.nanoTime();
            StepOutcome outcome = scheduler.complete(result, now);
            decisionNanos += System.nanoTime() - t0;
            listener.stepCompleted(step, result, start);
            for (RequestState r : outcome.advanced()) {
                listener.token(r, now);
            }
            for (RequestState r : outcome.finished()) {
                listener.finished(r, now);
            }
        }
        return new RunStats(now, steps, prefills, decodes, busy, decisionNanos);
    }
}
