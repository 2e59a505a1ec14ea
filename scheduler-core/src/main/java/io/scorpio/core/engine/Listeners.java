package io.scorpio.core.engine;

import io.scorpio.core.scheduler.Rejection;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.core.scheduler.SubmitResult;
import java.util.List;

/** Fans one engine's events out to several listeners, in order. */
public final class Listeners implements EngineListener {

    private final List<EngineListener> all;

    private Listeners(List<EngineListener> all) {
        this.all = List.copyOf(all);
    }

    public static EngineListener of(EngineListener... listeners) {
        return new Listeners(List.of(listeners));
    }

    @Override
    public void refused(SubmitResult.Refused refused, double nowMs) {
        all.forEach(l -> l.refused(refused, nowMs));
    }

    @Override
    public void rejected(Rejection rejection, double nowMs) {
        all.forEach(l -> l.rejected(rejection, nowMs));
    }

    @Override
    public void preempted(RequestState request, double nowMs) {
        all.forEach(l -> l.preempted(request, nowMs));
    }

    @Override
    public void migrated(Rejection rejection, int toEngine, double nowMs) {
        all.forEach(l -> l.migrated(rejection, toEngine, nowMs));
    }

    @Override
    public void demoted(RequestState request, double nowMs) {
        all.forEach(l -> l.demoted(request, nowMs));
    }

    @Override
    public void stepCompleted(StepPlan step, StepResult result, double startMs) {
        all.forEach(l -> l.stepCompleted(step, result, startMs));
    }

    @Override
    public void token(RequestState request, double nowMs) {
        all.forEach(l -> l.token(request, nowMs));
    }

    @Override
    public void finished(RequestState request, double nowMs) {
        all.forEach(l -> l.finished(request, nowMs));
    }
}
