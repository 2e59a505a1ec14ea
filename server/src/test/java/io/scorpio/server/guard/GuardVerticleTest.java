package io.scorpio.server.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.scheduler.StepResult;
import io.scorpio.model.Slo;
import io.scorpio.server.NodeClock;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.LocalMessage;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.bus.StreamEvent;
import io.scorpio.server.cluster.ClusterView;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import io.scorpio.server.engine.EngineWorker;
import io.scorpio.server.metrics.ServerMetrics;
import io.scorpio.server.registry.LocalRequestRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The guard alone, with a scripted engine and a recording ingress on the bus: it drives the engine's loop one step
 * at a time, and every step's events reach the ingress as one message.
 */
@ExtendWith(VertxExtension.class)
class GuardVerticleTest {

    private static final Slo LOOSE = new Slo(60_000, 1_000);

    private static NodeSettings settings() {
        return NodeSettings.from(ServerConfig.layered(Map.of(), Map.of("node.id", "node-t", "policy", "vllm",
                "hazelcast.mode", "none", "predictor", "none"), List.of()));
    }

    @Test
    void inAClusterAWorkerOutOfServiceHandsItsWaitingRequestsBackToBePlacedElsewhere(Vertx vertx, VertxTestContext test)
            throws Exception {
        LocalMessage.register(vertx.eventBus());
        NodeSettings settings = NodeSettings.from(ServerConfig.layered(Map.of(), Map.of("node.id", "node-t",
                "policy", "vllm", "scheduler.max-num-seqs", "1", "hazelcast.mode", "none", "predictor", "none"), List.of()));
        // The scripted engine: one token per request per step, a step every 5 ms; it tells when the first token is out.
        io.vertx.core.Promise<Void> firstToken = io.vertx.core.Promise.promise();
        vertx.eventBus().<Messages.RunStep>localConsumer(Addresses.engineStep(0), m -> {
            Map<String, String> texts = new HashMap<>();
            m.body().plan().batch().forEach(r -> texts.put(r.id(), "t" + (r.generatedTokens() + 1)));
            vertx.setTimer(5, t -> {
                m.reply(EngineWorker.Step.oneTokenEach(StepResult.of(5), texts));
                firstToken.tryComplete();
            });
        });
        List<StreamEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        vertx.eventBus().<StreamEvent.Batch>localConsumer(Addresses.INGRESS_STREAMS, m -> events.addAll(m.body().events()));
        // Another node is in the cluster: a request this node cannot serve can go there.
        ClusterView cluster = ClusterView.fixed("node-t", List.of("node-t", "node-u"));
        vertx.deployVerticle(new GuardVerticle(settings.nodeId(), settings.guard(), settings.stepTimeoutMs(), new NodeClock(),
                        new ServerMetrics(), new LocalRequestRegistry(), cluster))
                .compose(id -> vertx.eventBus().<Messages.SubmitReply>request(Addresses.GUARD_SUBMIT,
                        new Messages.Submit("running", 0, 16, 500, LOOSE, -1, "hello"), Addresses.LOCAL))
                .compose(reply -> firstToken.future())
                .compose(v -> vertx.eventBus().<Messages.SubmitReply>request(Addresses.GUARD_SUBMIT,
                        new Messages.Submit("waiting-1", 0, 16, 5, LOOSE, -1, "hello"), Addresses.LOCAL))
                .compose(v -> vertx.eventBus().<Messages.SubmitReply>request(Addresses.GUARD_SUBMIT,
                        new Messages.Submit("waiting-2", 0, 16, 5, LOOSE, -1, "hello"), Addresses.LOCAL))
                .onComplete(test.succeeding(v -> vertx.eventBus().send(Addresses.guardHealth(0), false, Addresses.LOCAL)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (events.stream().filter(e -> e instanceof StreamEvent.Rejected).count() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        if (test.failed()) {
            throw new AssertionError(test.causeOfFailure());
        }
        List<StreamEvent> rejected = events.stream().filter(e -> e instanceof StreamEvent.Rejected).toList();
        assertEquals(List.of("waiting-1", "waiting-2"), rejected.stream().map(StreamEvent::sid).toList(), events.toString());
        rejected.forEach(e -> assertEquals(Messages.Declined.WORKER_OUT_OF_SERVICE, ((StreamEvent.Rejected) e).reason()));
        assertTrue(events.stream().anyMatch(e -> e.sid().equals("running") && e instanceof StreamEvent.Token),
                "the running request had its first token, so it stays: " + events);
        assertTrue(events.stream().noneMatch(e -> e.sid().equals("running") && !(e instanceof StreamEvent.Token)),
                "and is not handed back: " + events);
        test.completeNow();
    }

    @Test
    void theGuardRunsOneStepAtATimeAndSendsEachStepsEventsInOneMessage(Vertx vertx, VertxTestContext test)
            throws Exception {
        LocalMessage.register(vertx.eventBus());
        NodeSettings settings = settings();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        List<Messages.RunStep> steps = new ArrayList<>();
        // The scripted engine: every step takes 2 ms and gives each request of its batch one token, "t<n>".
        vertx.eventBus().<Messages.RunStep>localConsumer(Addresses.engineStep(0), m -> {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            steps.add(m.body());
            Map<String, String> texts = new HashMap<>();
            m.body().plan().batch().forEach(r -> texts.put(r.id(), "t" + (r.generatedTokens() + 1)));
            vertx.setTimer(2, t -> {
                inFlight.decrementAndGet();
                m.reply(EngineWorker.Step.oneTokenEach(StepResult.of(2), texts));
            });
        });
        List<StreamEvent.Batch> batches = new ArrayList<>();
        vertx.eventBus().<StreamEvent.Batch>localConsumer(Addresses.INGRESS_STREAMS, m -> {
            batches.add(m.body());
            long done = batches.stream().flatMap(b -> b.events().stream()).filter(e -> e instanceof StreamEvent.Done).count();
            if (done == 2) {
                test.completeNow();
            }
        });
        vertx.deployVerticle(new GuardVerticle(settings.nodeId(), settings.guard(), settings.stepTimeoutMs(), new NodeClock(), new ServerMetrics(), new LocalRequestRegistry(),
                ClusterView.single("node-t"))).onComplete(test.succeeding(id -> {
                    for (String r : List.of("a", "b")) {
                        vertx.eventBus().<Messages.SubmitReply>request(Addresses.GUARD_SUBMIT,
                                        new Messages.Submit(r, 0, 16, 3, LOOSE, -1, "hello"), Addresses.LOCAL)
                                .onComplete(test.succeeding(reply -> test.verify(() ->
                                        assertInstanceOf(Messages.Accepted.class, reply.body()))));
                    }
                }));
        assertTrue(test.awaitCompletion(10, TimeUnit.SECONDS));
        if (test.failed()) {
            throw new AssertionError(test.causeOfFailure());
        }

        assertEquals(1, mostInFlight.get(), "never two steps of one engine out at once");
        assertEquals(steps.size(), batches.size(), "one message to the ingress per step that made tokens");
        List<StreamEvent> a = batches.stream().flatMap(b -> b.events().stream()).filter(e -> e.sid().equals("a")).toList();
        assertEquals(List.of(new StreamEvent.Token("a", 1, "t1", null, null), new StreamEvent.Token("a", 2, "t2", null, null),
                new StreamEvent.Token("a", 3, "t3", "length", null), new StreamEvent.Done("a", "length", 16, 3)), a);
        // Both requests share the decode steps: a decode step's batch carries a token of each.
        assertTrue(batches.stream().anyMatch(b -> b.events().stream().map(StreamEvent::sid).distinct().count() == 2),
                batches.toString());
    }
}
