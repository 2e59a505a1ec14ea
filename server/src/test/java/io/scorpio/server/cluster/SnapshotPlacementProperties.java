package io.scorpio.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.longs;

import io.scorpio.core.cluster.EngineSnapshot;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.core.scheduler.Iteration;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.model.Slo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Issue 18: placement from snapshots equals placement from quotes when nothing changes between them. A random cluster
 * (1 to 4 nodes of 1 to 3 engines, each a real {@link Scheduler} driven through random submissions and steps, some
 * workers out of service, some nodes draining) is asked where a random new request should go twice: as the guards
 * quote it on their exact state ({@link NodeQuote#of(String, RequestSpec, List, boolean[], boolean, double)}, what
 * {@code cluster.placement=quotes} sends), and as an entry node computes it from the engines' snapshots after their
 * trip through the shared map's JSON ({@link WireFormat#snapshot}). Every node's headroom and TTFT room must be the
 * same double, and the router's order (the same random tie-break) the same list.
 */
class SnapshotPlacementProperties {

    static final Gen<Policy> POLICIES = arbitrary().pick(Policy.ALL).describedAs(Policy::name);

    @Test
    void placementFromSnapshotsEqualsPlacementFromQuotes() {
        qt().withFixedSeed(18).withExamples(400)
                .forAll(POLICIES, longs().all())
                .checkAssert(SnapshotPlacementProperties::sameChoice);
    }

    static void sameChoice(Policy policy, long seed) {
        Random rnd = new Random(seed);
        int nodes = 1 + rnd.nextInt(4);
        double now = 0;
        List<NodeQuote> quoted = new ArrayList<>();
        List<NodeQuote> fromSnapshots = new ArrayList<>();
        RequestSpec probe = null;
        List<List<Scheduler>> cluster = new ArrayList<>();
        List<boolean[]> health = new ArrayList<>();
        boolean[] draining = new boolean[nodes];
        for (int n = 0; n < nodes; n++) {
            int engines = 1 + rnd.nextInt(3);
            List<Scheduler> schedulers = new ArrayList<>();
            boolean[] healthy = new boolean[engines];
            for (int e = 0; e < engines; e++) {
                StepTimeModel step = new StepTimeModel(1e-5 + rnd.nextDouble() * 4e-5, 0.05 + rnd.nextDouble() * 0.2,
                        rnd.nextDouble() * 0.004, 5 + rnd.nextDouble() * 10);
                PrefillTimeModel prefill = new PrefillTimeModel(50 * (1 + rnd.nextInt(20)), 5 + rnd.nextDouble() * 20,
                        0.01 + rnd.nextDouble() * 0.1, rnd.nextDouble() * 15);
                Scheduler s = new Scheduler(policy, SchedulerConfig.PAPER.withBudgets(512 + rnd.nextInt(1600), 4 + rnd.nextInt(60)),
                        step, prefill);
                drive(s, rnd, n + "-" + e);
                schedulers.add(s);
                healthy[e] = rnd.nextInt(6) != 0;
            }
            cluster.add(schedulers);
            health.add(healthy);
            draining[n] = rnd.nextInt(8) == 0;
        }
        now = 60_000 * rnd.nextDouble();
        int maxTokens = 1 + rnd.nextInt(2048);
        probe = new RequestSpec("new", now - rnd.nextDouble() * 500, 1 + rnd.nextInt(3000), maxTokens,
                new Slo(200 + rnd.nextInt(8000), 20 + rnd.nextInt(100)), rnd.nextBoolean() ? rnd.nextInt(maxTokens + 1)
                : RequestSpec.NO_PREDICTION);
        for (int n = 0; n < nodes; n++) {
            String node = "node-" + n;
            List<Scheduler> schedulers = cluster.get(n);
            quoted.add(NodeQuote.of(node, probe, schedulers, health.get(n), draining[n], now));
            List<EngineSnapshot> copies = new ArrayList<>();
            for (int e = 0; e < schedulers.size(); e++) {
                EngineSnapshot original = EngineSnapshot.of(schedulers.get(e), health.get(n)[e], draining[n], 1 + e);
                EngineSnapshots.Entry copy = WireFormat.snapshot(
                        new io.vertx.core.json.JsonObject(WireFormat.snapshot(node, e, 7, 1_000, original).encode()));
                assertEquals(original, copy.snapshot(), "the shared map's JSON gives back the same snapshot");
                copies.add(copy.snapshot());
            }
            fromSnapshots.add(NodeQuote.of(node, probe, copies, now));
        }
        assertEquals(quoted, fromSnapshots, "each node's offer, from its snapshots, is the guard's quote");
        long tieBreak = rnd.nextLong();
        String entry = quoted.get(rnd.nextInt(quoted.size())).node();
        assertEquals(ClusterRouter.order(quoted, new Random(tieBreak), entry),
                ClusterRouter.order(fromSnapshots, new Random(tieBreak), entry), "the router tries the nodes in the same order");
    }

    /**
     * Random traffic through one engine: submissions at random times, steps of random length, so that its queue,
     * admitted set (with several TPOT SLOs) and KV use are all non-trivial when the snapshot is taken.
     */
    private static void drive(Scheduler s, Random rnd, String prefix) {
        double now = 0;
        int requests = rnd.nextInt(60);
        int steps = rnd.nextInt(40);
        for (int i = 0; i < requests || steps > 0; i++) {
            if (i < requests) {
                int maxTokens = 1 + rnd.nextInt(512);
                s.submit(new RequestSpec(prefix + "-" + i, now, 1 + rnd.nextInt(1500), maxTokens,
                        new Slo(500 + rnd.nextInt(10_000), Arrays.asList(30.0, 50.0, 100.0).get(rnd.nextInt(3))),
                        rnd.nextBoolean() ? rnd.nextInt(maxTokens + 1) : RequestSpec.NO_PREDICTION), now);
            }
            if (steps-- > 0) {
                Iteration it = s.schedule(now);
                if (!(it.step() instanceof StepPlan.Idle)) {
                    double ms = 5 + rnd.nextDouble() * 40;
                    now += ms;
                    s.complete(StepResult.of(ms), now);
                }
            }
            now += rnd.nextDouble() * 20;
        }
    }
}
