package io.scorpio.core.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.scorpio.core.engine.EngineListener;
import io.scorpio.core.engine.StepWorker;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.core.scheduler.Rejection;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.core.scheduler.SubmitResult;
import io.scorpio.model.Slo;
import io.scorpio.model.SloClass;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class VirtualTimeClusterTest {

    static final StepTimeModel DECODE = new StepTimeModel(0, 2, 0, 8);
    static final PrefillTimeModel PREFILL = new PrefillTimeModel(1000, 20, 0, 20);

    /** Steps take what the models say; a sequence stops at its scripted length. */
    static StepWorker worker(Map<String, Integer> lengths) {
        return worker(lengths, PREFILL);
    }

    static StepWorker worker(Map<String, Integer> lengths, PrefillTimeModel prefill) {
        return step -> {
            Set<String> stopped = new HashSet<>();
            for (RequestState r : step.batch()) {
                if (r.generatedTokens() + 1 >= lengths.getOrDefault(r.id(), Integer.MAX_VALUE)) {
                    stopped.add(r.id());
                }
            }
            double ms = step instanceof StepPlan.Prefill p ? prefill.prefillMs(p.tokens())
                    : step instanceof StepPlan.Decode d ? DECODE.stepMs(d.batch().size(), d.meanLength()) : 0;
            return new StepResult(ms, stopped);
        };
    }

    /** Records every ending, with its time, as one line. */
    static final class Log implements EngineListener {
        final List<String> lines = new ArrayList<>();
        final Map<String, String> endings = new HashMap<>();

        private void end(String id, String how) {
            if (endings.put(id, how) != null) {
                throw new AssertionError(id + " ended twice");
            }
        }

        @Override
        public void refused(SubmitResult.Refused refused, double nowMs) {
            end(refused.spec().id(), "refused");
            lines.add("t=" + nowMs + " refuse " + refused.spec().id());
        }

        @Override
        public void rejected(Rejection rejection, double nowMs) {
            end(rejection.request().id(), "rejected");
            lines.add("t=" + nowMs + " reject " + rejection.request().id());
        }

        @Override
        public void migrated(Rejection rejection, int toEngine, double nowMs) {
            lines.add("t=" + nowMs + " migrate " + rejection.request().id() + " to " + toEngine);
        }

        @Override
        public void finished(RequestState r, double nowMs) {
            end(r.id(), "finished");
            lines.add("t=" + nowMs + " finish " + r.id() + " ttft=" + (r.firstTokenMs() - r.spec().arrivalMs()));
        }
    }

    static List<RequestSpec> randomWorkload(Random rnd, int n, Map<String, Integer> lengths) {
        List<RequestSpec> specs = new ArrayList<>();
        double t = 0;
        for (int i = 0; i < n; i++) {
            t += -Math.log(1 - rnd.nextDouble()) * (5 + rnd.nextInt(60));
            String id = "r" + i;
            int out = 1 + rnd.nextInt(80);
            SloClass c = SloClass.LLAMA_3_1_8B.get(rnd.nextInt(6));
            specs.add(new RequestSpec(id, t, 1 + rnd.nextInt(600), out + rnd.nextInt(50), c.slo(), out));
            lengths.put(id, out);
        }
        return specs;
    }

    /**
     * Two mooncake engines (FCFS with rejection) where a deliberately bad placement sends everything to engine 0,
     * and prefill grows with its tokens: T(n) = 0.05 n + 10 ms.
     */
    private record MigrationRun(Log log, int migrations) {
    }

    private static MigrationRun runMigrationScenario(boolean migrate) {
        PrefillTimeModel prefill = new PrefillTimeModel(0, 10, 0.05, 10);
        Map<String, Integer> lengths = Map.of("a", 2, "b", 1, "tight", 1);
        List<RequestSpec> specs = List.of(
                new RequestSpec("a", 0, 1000, 2, new Slo(5000, 50)),
                new RequestSpec("b", 1, 1000, 1, new Slo(3000, 50)),
                new RequestSpec("tight", 2, 100, 1, new Slo(150, 50)));
        StepWorker w = worker(lengths, prefill);
        List<VirtualTimeCluster.Engine> engines = List.of(
                new VirtualTimeCluster.Engine(new Scheduler(Policy.MOONCAKE, SchedulerConfig.PAPER, DECODE, prefill), w),
                new VirtualTimeCluster.Engine(new Scheduler(Policy.MOONCAKE, SchedulerConfig.PAPER, DECODE, prefill), w));
        Log log = new Log();
        int migrations = new VirtualTimeCluster(engines, (spec, e, now) -> 0, migrate, log).run(specs).migrations();
        return new MigrationRun(log, migrations);
    }

    @Test
    void aRequestOneEngineCannotServeInTimeMovesToAnotherThatCan() {
        MigrationRun run = runMigrationScenario(true);
        assertEquals(List.of(
                // t=0..60: a's prefill on engine 0. At 60, in FCFS order b (1,000 tokens) is ahead of tight:
                // tight's slack 152 - 60 = 92 < T(1,100) + 50 = 115 on engine 0, but >= T(100) + 50 = 65 on the
                // empty engine 1, so it moves there instead of being rejected.
                "t=60.0 migrate tight to 1",
                "t=75.0 finish tight ttft=73.0",   // its 15 ms prefill on engine 1
                "t=120.0 finish b ttft=119.0",     // b's 60 ms prefill on engine 0
                "t=130.0 finish a ttft=60.0"), run.log().lines);
        assertEquals(1, run.migrations());
    }

    @Test
    void withoutMigrationTheSameRequestIsRejected() {
        MigrationRun run = runMigrationScenario(false);
        assertEquals("rejected", run.log().endings.get("tight"));
        assertEquals(0, run.migrations());
    }

    /** How the cluster routes: the placement, and whether a request about to be rejected may migrate. */
    record Routing(boolean sloAware, boolean migrate) {
    }

    private static final Gen<Policy> POLICIES = arbitrary().pick(Policy.ALL).describedAs(Policy::name);
    private static final Gen<Routing> ROUTINGS = booleans().all().zip(booleans().all(), Routing::new);

    /** The whole cluster run is driven by one {@link Random} seed; QuickTheories draws it with the cluster's shape. */
    @Test
    void everyRequestEndsExactlyOnceAndEveryEngineEndsEmpty() {
        qt().withFixedSeed(108).withExamples(60)
                .forAll(POLICIES, longs().all(), integers().between(1, 4), ROUTINGS)
                .checkAssert(VirtualTimeClusterTest::everyRequestEndsExactlyOnceAndEveryEngineEndsEmpty);
    }

    private static void everyRequestEndsExactlyOnceAndEveryEngineEndsEmpty(Policy policy, long seed, int engineCount,
                                                                         Routing routing) {
        boolean migrate = routing.migrate();
        boolean sloAware = routing.sloAware();
        Random rnd = new Random(seed);
        Map<String, Integer> lengths = new HashMap<>();
        List<RequestSpec> specs = randomWorkload(rnd, 1 + rnd.nextInt(150), lengths);
        List<VirtualTimeCluster.Engine> engines = new ArrayList<>();
        for (int i = 0; i < engineCount; i++) {
            engines.add(new VirtualTimeCluster.Engine(new Scheduler(policy,
                    SchedulerConfig.PAPER.withKvBlocks(60 + rnd.nextInt(300)), DECODE, PREFILL), worker(lengths)));
        }
        Log log = new Log();
        new VirtualTimeCluster(engines, sloAware ? Placement.sloAware() : Placement.leastLoaded(), migrate, log)
                .run(specs);
        assertEquals(specs.size(), log.endings.size(), "every request ended once");
        for (VirtualTimeCluster.Engine e : engines) {
            assertEquals(0, e.scheduler().liveCount());
            assertEquals(e.scheduler().totalKvBlocks(), e.scheduler().freeKvBlocks());
        }
        assertTrue(log.lines.stream().noneMatch(l -> l.contains("migrate")) || migrate);
    }
}
