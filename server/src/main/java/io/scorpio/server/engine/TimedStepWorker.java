package io.scorpio.server.engine;

import io.scorpio.core.engine.StepWorker;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.gpusim.StepTimeline;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs any core {@link StepWorker} (a simulated GPU) in real time: asks it how long the step takes, then waits
 * that long on a Vert.x timer, never blocking the event loop. Token text is {@link SyntheticText}.
 *
 * <p>{@code timeScale} stretches or shrinks the waits (1 = real time); the reported duration is scaled the same
 * way, so the scheduler's clock and the worker's report agree.
 *
 * <p>The simulated GPU keeps its own timeline ({@link StepTimeline}): the event-bus round trip to the guard and the
 * lateness of timers are absorbed instead of added to every step (they were measured to add 1.5 to 2 ms a step
 * otherwise).
 */
public final class TimedStepWorker implements EngineWorker {

    private final Vertx vertx;
    private final StepWorker worker;
    private final double timeScale;
    private final String description;
    private final StepTimeline timeline = new StepTimeline();

    public TimedStepWorker(Vertx vertx, StepWorker worker, double timeScale, String description) {
        this.vertx = vertx;
        this.worker = worker;
        this.timeScale = timeScale;
        this.description = description;
    }

    @Override
    public Future<Step> run(StepPlan plan, Map<String, String> prompts) {
        // Read before the wait: the guard changes these counts only when this step completes.
        Map<String, String> texts = new HashMap<>();
        for (RequestState r : plan.batch()) {
            texts.put(r.id(), SyntheticText.token(r.generatedTokens() + 1));
        }
        StepResult reported = worker.run(plan);
        double ms = reported.durationMs() * timeScale;
        StepResult scaled = new StepResult(ms, reported.stopped());
        long waitNanos = timeline.start(System.nanoTime(), Math.round(ms * 1e6));
        Promise<Step> done = Promise.promise();
        Step step = Step.oneTokenEach(scaled, texts);
        if (waitNanos <= 0) {
            vertx.runOnContext(v -> done.complete(step));
        } else {
            vertx.setTimer(Math.max(1, (waitNanos + 999_999) / 1_000_000), t -> done.complete(step));
        }
        return done.future();
    }

    @Override
    public boolean stepLevelControl() {
        return true;
    }

    @Override
    public String describe() {
        return description + (timeScale == 1.0 ? " in real time" : " at time scale " + timeScale);
    }
}
