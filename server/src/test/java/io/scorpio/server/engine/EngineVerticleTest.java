package io.scorpio.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.model.Slo;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.LocalMessage;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The engine alone, with a scripted worker: it executes the steps it is handed and takes a failed worker out. */
@ExtendWith(VertxExtension.class)
class EngineVerticleTest {

    /** A worker whose next step and health the test sets. */
    static final class ScriptedWorker implements EngineWorker {
        volatile Future<Step> next;
        final AtomicBoolean healthy = new AtomicBoolean(true);
        final List<String> aborted = new CopyOnWriteArrayList<>();

        @Override
        public Future<Step> run(StepPlan plan, Map<String, String> prompts) {
            return next;
        }

        @Override
        public void abort(String requestId) {
            aborted.add(requestId);
        }

        @Override
        public Future<Boolean> healthy() {
            return Future.succeededFuture(healthy.get());
        }

        @Override
        public boolean stepLevelControl() {
            return true;
        }

        @Override
        public String describe() {
            return "scripted";
        }
    }

    /** A real prefill plan of one request, from a real scheduler. */
    private static StepPlan prefillOf(String id) {
        NodeSettings s = NodeSettings.from(ServerConfig.layered(Map.of(), Map.of("policy", "vllm"), List.of()));
        Scheduler scheduler = new Scheduler(s.guard().policy(), s.guard().scheduler(), s.guard().options(),
                s.guard().stepModel(), s.guard().prefillModel());
        scheduler.submit(new RequestSpec(id, 0, 16, 4, new Slo(60_000, 1_000), RequestSpec.NO_PREDICTION), 0);
        return scheduler.schedule(0).step();
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aStepIsRunOnTheWorkerAndItsOutcomeIsTheReply(Vertx vertx) throws Exception {
        LocalMessage.register(vertx.eventBus());
        ScriptedWorker worker = new ScriptedWorker();
        EngineWorker.Step outcome = EngineWorker.Step.oneTokenEach(StepResult.of(12.5), Map.of("r1", " hello"));
        worker.next = Future.succeededFuture(outcome);
        await(vertx.deployVerticle(new EngineVerticle(0, worker, new ServerMetrics(), new Backoff(10, 20))));

        EngineWorker.Step reply = await(vertx.eventBus().<EngineWorker.Step>request(Addresses.engineStep(0),
                new Messages.RunStep(prefillOf("r1"), Map.of("r1", "Hi")), Addresses.LOCAL)).body();
        assertEquals(outcome, reply);

        vertx.eventBus().send(Addresses.engineAbort(0), new Messages.Abort("r1"), Addresses.LOCAL);
        eventually("the abort reached the worker", () -> worker.aborted.contains("r1"));
    }

    @Test
    void aWorkerThatFailsLosesItsBatchGoesOutOfServiceAndComesBackWhenItsProbePasses(Vertx vertx) throws Exception {
        LocalMessage.register(vertx.eventBus());
        ScriptedWorker worker = new ScriptedWorker();
        List<Boolean> health = new CopyOnWriteArrayList<>();
        vertx.eventBus().<Boolean>localConsumer(Addresses.guardHealth(0), m -> health.add(m.body()));
        await(vertx.deployVerticle(new EngineVerticle(0, worker, new ServerMetrics(), new Backoff(10, 20))));

        worker.next = Future.failedFuture(new IllegalStateException("connection refused"));
        worker.healthy.set(false);
        EngineWorker.Step reply = await(vertx.eventBus().<EngineWorker.Step>request(Addresses.engineStep(0),
                new Messages.RunStep(prefillOf("r1"), Map.of()), Addresses.LOCAL)).body();
        assertTrue(reply.workerFailed());
        assertEquals(Map.of("r1", "connection refused"), reply.lost());
        eventually("the guard told it is out", () -> health.equals(List.of(false)));
        assertFalse(await(vertx.eventBus().<Boolean>request(Addresses.engineHealth(0), "", Addresses.LOCAL)).body(),
                "not ready while out of service");

        worker.healthy.set(true);
        eventually("the guard told it is back", () -> health.equals(List.of(false, true)));
        assertTrue(await(vertx.eventBus().<Boolean>request(Addresses.engineHealth(0), "", Addresses.LOCAL)).body());
    }
}
