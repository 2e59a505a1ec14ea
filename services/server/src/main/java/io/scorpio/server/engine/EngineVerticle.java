package io.scorpio.server.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
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
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;

/**
 * One engine: the real-time drive loop of {@code VirtualTimeEngine}, over the event bus. Ask the guard for an
 * iteration, run the step on the worker (which takes the step's real time), report it to the guard, send each
 * token to the stream of the ingress that owns its request, repeat. When the guard has nothing to run, wait for
 * a wake-up (a new request) or, while requests are live but blocked, poll every {@code engine.idle-poll-ms}.
 *
 * <p>When the worker itself fails in a step (its future fails, or it reports requests {@link EngineWorker.Step#lost
 * lost} to its death or a hang), the engine takes it out of service: it stops asking the guard for work (so a dead
 * or hung server is not hammered), tells the guard (placement then avoids it), answers its health check with
 * false, and probes {@link EngineWorker#healthy()} with exponential back-off until it passes.
 */
public final class EngineVerticle extends VerticleBase {

    private static final System.Logger LOG = System.getLogger(EngineVerticle.class.getName());

    private final int engine;
    private final EngineWorker worker;
    private final ServerMetrics metrics;
    private final long idlePollMs;
    private final DeliveryOptions busOptions;
    private final Backoff backoff;
    private final Counter failures;
    private final Counter retries;
    private EventBus bus;
    private boolean looping;
    private boolean stopped;
    private long idleTimer = -1;
    /** Written on the event loop only; volatile for the metrics scrape. */
    private volatile boolean inService = true;
    private long probeTimer = -1;

    public EngineVerticle(int engine, EngineWorker worker, ServerMetrics metrics, long idlePollMs, long busTimeoutMs,
                          Backoff backoff) {
        this.engine = engine;
        this.worker = worker;
        this.metrics = metrics;
        this.idlePollMs = idlePollMs;
        this.busOptions = Addresses.local(busTimeoutMs);
        this.backoff = backoff;
        this.failures = metrics.workerFailures(engine);
        this.retries = metrics.workerRetries(engine);
        metrics.gauge("scorpio_worker_healthy", "1 while the engine's worker is in service, 0 while it is out after a failure",
                Tags.of("engine", Integer.toString(engine)), () -> inService ? 1 : 0);
    }

    @Override
    public Future<?> start() {
        bus = vertx.eventBus();
        Future<Void> wake = bus.localConsumer(Addresses.engineWake(engine), m -> kick()).completion();
        Future<Void> abort = bus.<Messages.Abort>localConsumer(Addresses.engineAbort(engine), m -> worker.abort(m.body().id()))
                .completion();
        Future<Void> health = bus.localConsumer(Addresses.engineHealth(engine), m -> {
            if (!inService) {
                m.reply(false); // the back-off probes decide when it is back, not a readiness check
                return;
            }
            probeWorker().onComplete(h -> m.reply(h.succeeded() && h.result()));
        }).completion();
        LOG.log(Level.INFO, () -> "engine " + engine + ": " + worker.describe());
        return Future.all(wake, abort, health).onSuccess(v -> kick());
    }

    @Override
    public Future<?> stop() {
        stopped = true;
        if (probeTimer >= 0) {
            vertx.cancelTimer(probeTimer);
        }
        return worker.close();
    }

    /** Starts the loop unless it is already running (a wake-up during a step changes nothing) or out of service. */
    private void kick() {
        if (looping || stopped || !inService) {
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
                    return runStep(s).onSuccess(v -> {
                        if (inService) {
                            iterate();
                        } else {
                            looping = false; // the probes restart the loop
                        }
                    });
                })
                .onFailure(err -> {
                    // The guard did not answer: never spin; try again after a pause.
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
            // The whole worker broke: every request of the step is lost to it.
            Map<String, String> lost = new HashMap<>();
            plan.batch().forEach(r -> lost.put(r.id(), String.valueOf(err.getMessage())));
            return Future.succeededFuture(new EngineWorker.Step(StepResult.of(0), Map.of(), Map.of(), lost));
        }).compose(done -> {
            Map<String, String> lost = new HashMap<>();
            done.lost().forEach((id, why) -> lost.put(id, "worker failed: " + why));
            if (done.workerFailed()) {
                outOfService(done.lost().values().iterator().next());
            }
            return bus.<Messages.CompleteReply>request(Addresses.guardComplete(engine),
                    new Messages.Complete(engine, done.result(), done.failures(), lost), busOptions).map(reply -> {
                        for (Messages.Emitted e : reply.body().emitted()) {
                            String text = done.texts().getOrDefault(e.id(), "");
                            StreamEvents.deliver(bus, e.streamAddress(), e.id(), StreamEvents.token(e.index(), text, e.finishReason()));
                            if (e.finished()) {
                                StreamEvents.deliver(bus, e.streamAddress(), e.id(),
                                        StreamEvents.done(e.finishReason(), e.promptTokens(), e.index()));
                            }
                        }
                        return null;
                    });
        });
    }

    // ---- worker health: out of service after a failure, probed with back-off ----

    private void outOfService(String why) {
        failures.increment();
        if (!inService) {
            return;
        }
        inService = false;
        LOG.log(Level.WARNING, () -> "engine " + engine + ": worker failed (" + why + "); out of service, probing its health from "
                + backoff.initialMs() + " ms, doubling up to " + backoff.maxMs() + " ms");
        bus.send(Addresses.guardHealth(engine), false, Addresses.LOCAL);
        backoff.reset();
        scheduleProbe();
    }

    private void scheduleProbe() {
        if (stopped) {
            return;
        }
        probeTimer = vertx.setTimer(backoff.next(), t -> {
            probeTimer = -1;
            retries.increment();
            probeWorker().onComplete(h -> {
                if (stopped) {
                    return;
                }
                if (h.succeeded() && h.result()) {
                    backInService();
                } else {
                    scheduleProbe();
                }
            });
        });
    }

    private void backInService() {
        inService = true;
        LOG.log(Level.INFO, () -> "engine " + engine + ": worker healthy again; back in service");
        bus.send(Addresses.guardHealth(engine), true, Addresses.LOCAL);
        kick(); // requests waited meanwhile: the guard has work or will say it has none
    }

    private Future<Boolean> probeWorker() {
        try {
            return worker.healthy();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }
}
