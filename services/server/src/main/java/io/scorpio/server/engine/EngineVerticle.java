package io.scorpio.server.engine;

import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.bus.StreamEvents;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One engine: the real-time drive loop of {@code VirtualTimeEngine}, over the event bus. Ask the guard for an
 * iteration, run the step on the worker (which takes the step's real time), report it to the guard, send each
 * token to the stream of the ingress that owns its request, repeat. When the guard has nothing to run, wait for
 * a wake-up (a new request) or, while requests are live but blocked, poll every {@code engine.idle-poll-ms}.
 */
public final class EngineVerticle extends VerticleBase {

    private static final Logger LOG = Logger.getLogger(EngineVerticle.class.getName());

    private final int engine;
    private final EngineWorker worker;
    private final ServerMetrics metrics;
    private final long idlePollMs;
    private final DeliveryOptions busOptions;
    private EventBus bus;
    private boolean looping;
    private boolean stopped;
    private long idleTimer = -1;

    public EngineVerticle(int engine, EngineWorker worker, ServerMetrics metrics, long idlePollMs, long busTimeoutMs) {
        this.engine = engine;
        this.worker = worker;
        this.metrics = metrics;
        this.idlePollMs = idlePollMs;
        this.busOptions = Addresses.local(busTimeoutMs);
    }

    @Override
    public Future<?> start() {
        bus = vertx.eventBus();
        Future<Void> wake = bus.localConsumer(Addresses.engineWake(engine), m -> kick()).completion();
        Future<Void> abort = bus.<Messages.Abort>localConsumer(Addresses.engineAbort(engine), m -> worker.abort(m.body().id()))
                .completion();
        Future<Void> health = bus.localConsumer(Addresses.engineHealth(engine), m -> worker.healthy()
                .onComplete(h -> m.reply(h.succeeded() && h.result()))).completion();
        LOG.info(() -> "engine " + engine + ": " + worker.describe());
        return Future.all(wake, abort, health).onSuccess(v -> kick());
    }

    @Override
    public Future<?> stop() {
        stopped = true;
        return worker.close();
    }

    /** Starts the loop unless it is already running (a wake-up during a step changes nothing). */
    private void kick() {
        if (looping || stopped) {
            return;
        }
        if (idleTimer >= 0) {
            vertx.cancelTimer(idleTimer);
            idleTimer = -1;
        }
        looping = true;
        iterate();
    }

    private void iterate() {
        bus.<Messages.ScheduleReply>request(Addresses.guardSchedule(engine), new Messages.Schedule(engine), busOptions)
                .compose(reply -> {
                    Messages.ScheduleReply s = reply.body();
                    if (s.plan() instanceof StepPlan.Idle) {
                        idle(s.hasWork());
                        return Future.succeededFuture();
                    }
                    return runStep(s).onSuccess(v -> iterate());
                })
                .onFailure(err -> {
                    // The guard did not answer or the worker broke: never spin; try again after a pause.
                    LOG.log(Level.WARNING, "engine " + engine + " iteration failed; retrying", err);
                    looping = false;
                    if (!stopped) {
                        idleTimer = vertx.setTimer(Math.max(idlePollMs, 100), t -> {
                            idleTimer = -1;
                            kick();
                        });
                    }
                });
    }

    private void idle(boolean hasWork) {
        looping = false;
        if (hasWork && !stopped) {
            // Requests are live but none could run (e.g. blocked by admission): the guard must look again as
            // time passes, because its rejection pass and starvation limit depend on the clock.
            idleTimer = vertx.setTimer(idlePollMs, t -> {
                idleTimer = -1;
                kick();
            });
        }
    }

    private Future<Void> runStep(Messages.ScheduleReply s) {
        StepPlan plan = s.plan();
        metrics.step(engine, plan instanceof StepPlan.Prefill ? "prefill" : "decode");
        Future<EngineWorker.Step> step;
        try {
            step = worker.run(plan, s.prompts());
        } catch (RuntimeException e) {
            step = Future.failedFuture(e);
        }
        return step.recover(err -> {
            // The whole step failed: every request in it fails; the scheduler still gets its complete().
            Map<String, String> failures = new HashMap<>();
            plan.batch().forEach(r -> failures.put(r.id(), "worker failed: " + err.getMessage()));
            return Future.succeededFuture(new EngineWorker.Step(StepResult.of(0), Map.of(), failures));
        }).compose(done -> bus.<Messages.CompleteReply>request(Addresses.guardComplete(engine),
                new Messages.Complete(engine, done.result(), done.failures()), busOptions).map(reply -> {
                    for (Messages.Emitted e : reply.body().emitted()) {
                        String text = done.texts().getOrDefault(e.id(), "");
                        StreamEvents.deliver(bus, e.streamAddress(), e.id(), StreamEvents.token(e.index(), text, e.finishReason()));
                        if (e.finished()) {
                            StreamEvents.deliver(bus, e.streamAddress(), e.id(),
                                    StreamEvents.done(e.finishReason(), e.promptTokens(), e.index()));
                        }
                    }
                    return null;
                }));
    }
}
