package io.scorpio.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.cluster.EngineSnapshot;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.model.Slo;
import io.scorpio.server.NodeClock;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.LocalMessage;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.config.ClusterSettings;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the {@link ClusterRouter} of node A does when another node, X, goes quiet before Hazelcast notices: X stops
 * answering (frozen, paused, cut off), or X's snapshots stop being renewed (the shared map's writes stalled). X's
 * addresses are consumers on this test's bus; X's snapshot offers the most headroom, so X is chosen first; it takes
 * submissions and never answers them.
 */
@ExtendWith(VertxExtension.class)
class ClusterRouterTest {

    private static final long SUBMIT_TIMEOUT_MS = 500;
    private static final NodeClock CLOCK = new NodeClock();
    /** The snapshots' clock: X's snapshot is heard at 0, and ages as the test moves this on. */
    private final AtomicLong snapshotNanos = new AtomicLong();
    /** Placement from snapshots, no periodic probe, shuffled ties: only what the test does reaches X. */
    private static final ClusterSettings SETTINGS = new ClusterSettings(ClusterSettings.Placement.SNAPSHOTS, 10, 0.25,
            250, 0, SUBMIT_TIMEOUT_MS, false);

    /** The submission ids that reached X. */
    private final List<String> reachedX = new CopyOnWriteArrayList<>();
    /** The nodes the router reported silent, in order. */
    private final List<String> silentSeen = new CopyOnWriteArrayList<>();
    private final AtomicInteger quotesAskedOfX = new AtomicInteger();

    @Test
    void aNodeThatLeavesASubmissionUnansweredIsPassedOverUntilItAnswersAPing(Vertx vertx, VertxTestContext test) {
        onRouterContext(vertx, (router, ctx) -> {
            router.submit(submit("r1"), List.of()).onComplete(first -> test.verify(() -> {
                // X took r1 and did not answer in time: the request must be placed again (it may yet run on X).
                assertNoAnswerFrom("node-x", first.cause());
                assertEquals(List.of("node-x"), silentSeen, "the ingress is told once");
                assertEquals(Set.of("node-x"), router.silentNodes());
                router.submit(submit("r2"), List.of()).onComplete(second -> test.verify(() -> {
                    assertEquals("node-a", second.result().node(), "a silent node is passed over");
                    assertEquals(List.of("r1"), reachedX);
                    // X answers again: its first answer to a ping makes it a candidate again.
                    vertx.eventBus().consumer(Addresses.nodePing("node-x"), m -> m.reply(null));
                    router.pingSilent();
                    vertx.setPeriodic(5, t -> {
                        if (router.silentNodes().isEmpty()) {
                            vertx.cancelTimer(t);
                            router.submit(submit("r3"), List.of()).onComplete(third -> test.verify(() -> {
                                assertEquals(List.of("r1", "r3"), reachedX, "X is chosen again once it answers");
                                test.completeNow();
                            }));
                        }
                    });
                }));
            }));
        });
    }

    @Test
    void aTimeoutThatFiresLateBecauseThisNodeWasPausedBlamesNobody(Vertx vertx, VertxTestContext test) {
        onRouterContext(vertx, (router, ctx) -> {
            router.submit(submit("r1"), List.of()).onComplete(first -> test.verify(() -> {
                assertNoAnswerFrom("node-x", first.cause());
                assertTrue(silentSeen.isEmpty() && router.silentNodes().isEmpty(),
                        "X is not blamed for this node's own pause: " + silentSeen);
                test.completeNow();
            }));
            // This node stalls (as in a GC pause) for three times the timeout, right after sending: the timeout fires late.
            ctx.runOnContext(stall -> sleep(3 * SUBMIT_TIMEOUT_MS));
        });
    }

    @Test
    void aSnapshotNotRenewedInTimeIsNotTrustedAndItsNodeIsAskedInstead(Vertx vertx, VertxTestContext test) {
        // On its exact state X has no room for the request (far less than A), though its last snapshot promised plenty.
        vertx.eventBus().<JsonObject>consumer(Addresses.nodeQuote("node-x"), m -> {
            quotesAskedOfX.incrementAndGet();
            m.reply(WireFormat.quote(new NodeQuote("node-x", -1e12, -1e12, false)));
        });
        onRouterContext(vertx, (router, ctx) -> {
            // X's snapshot was heard at 0; three renewal periods and a nanosecond later it is no longer trusted.
            snapshotNanos.set(EngineSnapshots.STALE_AFTER_RENEWALS * EngineSnapshots.RENEW_MS * 1_000_000 + 1);
            router.submit(submit("r1"), List.of()).onComplete(placed -> test.verify(() -> {
                assertEquals("node-a", placed.result().node());
                assertEquals(1, quotesAskedOfX.get(), "X was asked, not placed from its stale snapshot");
                assertTrue(reachedX.isEmpty());
                test.completeNow();
            }));
        });
    }

    /**
     * Node A's own guard accepts everything at once; node X records what reaches it and answers nothing. The router
     * is made, and {@code test} run, on one context, as the ingress's event loop would.
     */
    private void onRouterContext(Vertx vertx, BiConsumer<ClusterRouter, Context> test) {
        LocalMessage.register(vertx.eventBus());
        vertx.eventBus().localConsumer(Addresses.GUARD_SUBMIT, m -> m.reply(new Messages.Accepted(0)));
        vertx.eventBus().<JsonObject>consumer(Addresses.nodeSubmit("node-x"), m -> reachedX.add(m.body().getString("sid")));
        Context ctx = vertx.getOrCreateContext();
        ctx.runOnContext(v -> test.accept(router(vertx, silentSeen::add), ctx));
    }

    private ClusterRouter router(Vertx vertx, Consumer<String> onSilent) {
        EngineSnapshots snapshots = EngineSnapshots.single("node-a", snapshotNanos::get);
        EngineSnapshot idle = EngineSnapshot.of(new Scheduler(Policy.SCORPIO, SchedulerConfig.PAPER,
                new StepTimeModel(2e-5, 0.1, 0.002, 10), new PrefillTimeModel(500, 10, 0.05, 5)), true, false, 1);
        snapshots.update("node-x", 0, 1, idle);
        snapshots.update("node-a", 0, 1, withWaitingTokens(idle, 2_000_000)); // A's queue is long: X has more headroom
        return new ClusterRouter(vertx, ClusterView.fixed("node-a", List.of("node-a", "node-x")), CLOCK,
                new ServerMetrics(), 10_000, SETTINGS, snapshots, false, onSilent);
    }

    private static EngineSnapshot withWaitingTokens(EngineSnapshot s, long tokens) {
        return new EngineSnapshot(tokens, s.tailMinimalTtftMs(), s.admitted(), 1, s.vbs(), s.tMinMs(), s.inverseTpotSum(),
                s.lengthSum(), s.kvUsed(), s.kvTotal(), s.stepModel(), s.prefillModel(), s.usesPredictor(),
                s.rejectionMarginMs(), s.healthy(), s.draining(), s.version());
    }

    private static Messages.Submit submit(String id) {
        return new Messages.Submit(id, CLOCK.nowMs(), 16, 8, new Slo(60_000, 1_000), -1, "hello");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a placement that reached a silent node fails with. */
    private static void assertNoAnswerFrom(String node, Throwable cause) {
        assertInstanceOf(ClusterRouter.NoAnswer.class, cause);
        assertEquals(node, ((ClusterRouter.NoAnswer) cause).node());
    }
}
