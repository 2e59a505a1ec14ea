package io.scorpio.server.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;

/**
 * One engine: the executor of the steps its guard plans. The guard owns the loop (schedule, execute, update, as
 * vLLM's {@code EngineCore.step}); this verticle is the "execute": it takes a {@link Messages.RunStep}, runs it on
 * its worker (which takes the step's real time) and answers with the step's {@link EngineWorker.Step}. One bus
 * exchange per step.
 *
 * <p>When the worker itself fails in a step (its future fails, or it reports requests {@link EngineWorker.Step#lost
 * lost} to its death or a hang), the engine takes it out of service: it tells the guard (which stops planning steps
 * for it and places new requests elsewhere), answers its health check with false, and probes
 * {@link EngineWorker#healthy()} with exponential back-off until it passes; then it tells the guard it is back.
 */
public final class EngineVerticle extends VerticleBase {

    private static final System.Logger LOG = System.getLogger(EngineVerticle.class.getName());

    private final int engine;
    private final EngineWorker worker;
    private final ServerMetrics metrics;
    private final Backoff backoff;
    private final Counter failures;
    private final Counter retries;
    private EventBus bus;
    private boolean stopped;
    /** Written on the event loop only; volatile for the metrics scrape. */
    private volatile boolean inService = true;
    private long probeTimer = -1;

    public EngineVerticle(int engine, EngineWorker worker, ServerMetrics metrics, Backoff backoff) {
        this.engine = engine;
        this.worker = worker;
        this.metrics = metrics;
        this.backoff = backoff;
        this.failures = metrics.workerFailures(engine);
        this.retries = metrics.workerRetries(engine);
        metrics.gauge("scorpio_worker_healthy", "1 while the engine's worker is in service, 0 while it is out after a failure",
                Tags.of("engine", Integer.toString(engine)), () -> inService ? 1 : 0);
    }

    @Override
    public Future<?> start() {
        bus = vertx.eventBus();
        Future<Void> step = bus.<Messages.RunStep>localConsumer(Addresses.engineStep(engine), this::onRunStep).completion();
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
        return Future.all(step, abort, health);
    }

    @Override
    public Future<?> stop() {
        stopped = true;
        if (probeTimer >= 0) {
            vertx.cancelTimer(probeTimer);
        }
        return worker.close();
    }

    private void onRunStep(Message<Messages.RunStep> m) {
        StepPlan plan = m.body().plan();
        metrics.step(engine, plan instanceof StepPlan.Prefill ? "prefill" : plan instanceof StepPlan.Mixed ? "mixed" : "decode");
        Future<EngineWorker.Step> step;
        try {
            step = worker.run(plan, m.body().prompts());
        } catch (RuntimeException e) {
            step = Future.failedFuture(e);
        }
        step.recover(err -> {
            // The whole worker broke: every request of the step is lost to it.
            Map<String, String> lost = new HashMap<>();
            plan.batch().forEach(r -> lost.put(r.id(), String.valueOf(err.getMessage())));
            return Future.succeededFuture(EngineWorker.Step.lost(lost));
        }).onSuccess(done -> {
            if (done.workerFailed()) {
                outOfService(done.lost().values().iterator().next());
            }
            m.reply(done);
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
        bus.send(Addresses.guardHealth(engine), true, Addresses.LOCAL); // the guard plans steps again
    }

    private Future<Boolean> probeWorker() {
        try {
            return worker.healthy();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }
}
