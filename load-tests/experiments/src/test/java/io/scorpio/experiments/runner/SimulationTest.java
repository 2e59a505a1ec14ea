package io.scorpio.experiments.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.policy.Policy;
import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.workload.PredictionSource;
import io.scorpio.experiments.workload.WorkloadGenerator;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.model.DataFiles;
import io.scorpio.model.LengthSample;
import io.scorpio.model.RequestOutcome;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs on the real ShareGPT lengths and the real ground-truth GPU profile. */
class SimulationTest {

    static List<LengthSample> pool;
    static GpuProfile gpu;
    static FittedModels models;

    @BeforeAll
    static void load() {
        pool = Workloads.SHAREGPT.pool(DataFiles.resolve());
        gpu = GpuProfile.loadDefault();
        models = FittedModels.profile(gpu, pool, 1);
    }

    private static List<WorkloadRequest> workload(double qps, long seed) {
        return PredictionSource.paperNoisy(seed).apply(WorkloadGenerator.paperDefaults().poisson(pool, qps, 200, seed));
    }

    @Test
    void aFixedSeedGivesIdenticalResults() {
        List<WorkloadRequest> wl = workload(12, 7);
        Simulation.Run a = Simulation.run(wl, models.setup(Policy.SCORPIO, gpu, 7));
        Simulation.Run b = Simulation.run(wl, models.setup(Policy.SCORPIO, gpu, 7));
        assertEquals(a.results(), b.results());
        Simulation.Run c = Simulation.run(wl, models.setup(Policy.SCORPIO, gpu, 8));
        assertNotEquals(a.results(), c.results(), "another worker seed draws other step-time noise");
    }

    @Test
    void everyRequestEndsOnceAndCompletedOnesDeliverTheirTrueLength() {
        List<WorkloadRequest> wl = workload(14, 3);
        for (Policy p : Policy.ALL) {
            Simulation.Run run = Simulation.run(wl, models.setup(p, gpu, 3));
            assertEquals(wl.size(), run.results().size(), p.name());
            for (RequestResult r : run.results()) {
                WorkloadRequest w = wl.get((int) r.id());
                if (r.outcome() == RequestOutcome.COMPLETED) {
                    assertEquals(w.outputTokens(), r.outputTokens(), p.name() + " request " + r.id());
                    assertTrue(r.firstTokenMs() > w.arrivalMs());
                } else {
                    assertEquals(RequestOutcome.REJECTED, r.outcome(), p.name());
                }
            }
            if (p.rejection() == io.scorpio.core.policy.RejectionRule.NONE) {
                assertEquals(0, run.summary().all().rejected(), p.name() + " never rejects");
            }
        }
    }

    @Test
    void theFittedModelsDescribeTheGroundTruthWellButNotExactly() {
        assertTrue(models.step().accuracy().r2() > 0.9, models.step().accuracy().toString());
        assertTrue(models.step().accuracy().mape() > 0.005, "the ground truth is not the fitted form");
        assertTrue(models.prefill().accuracy().r2() > 0.9, models.prefill().accuracy().toString());
    }

    @Test
    void underHeavyLoadScorpioServesMoreWithinTargetsThanVllm() {
        List<WorkloadRequest> wl = workload(15, 11);
        double vllm = Simulation.run(wl, models.setup(Policy.VLLM, gpu, 11)).summary().adherence();
        double scorpio = Simulation.run(wl, models.setup(Policy.SCORPIO, gpu, 11)).summary().adherence();
        assertTrue(scorpio > vllm, "scorpio " + scorpio + " vs vllm " + vllm);
    }

    @Test
    void oneEngineOfTheClusterRunnerGivesTheSingleEngineResults() {
        List<WorkloadRequest> wl = workload(12, 5);
        Simulation.Run single = Simulation.run(wl, models.setup(Policy.SCORPIO, gpu, 5));
        Simulation.ClusterRun cluster = Simulation.runCluster(wl, models.setup(Policy.SCORPIO, gpu, 5), 1,
                io.scorpio.core.cluster.Placement.sloAware(), true);
        assertEquals(single.results(), cluster.results());
    }

    @Test
    void moreEnginesServeMoreOfAProportionalLoad() {
        List<WorkloadRequest> one = workload(12, 9);
        List<WorkloadRequest> two = PredictionSource.paperNoisy(9).apply(
                WorkloadGenerator.paperDefaults().poisson(pool, 24, 400, 9));
        double g1 = Simulation.runCluster(one, models.setup(Policy.SCORPIO, gpu, 9), 1,
                io.scorpio.core.cluster.Placement.sloAware(), false).summary().goodput();
        Simulation.ClusterRun r2 = Simulation.runCluster(two, models.setup(Policy.SCORPIO, gpu, 9), 2,
                io.scorpio.core.cluster.Placement.sloAware(), false);
        assertEquals(400, r2.results().size());
        assertTrue(r2.summary().goodput() > 1.5 * g1, r2.summary().goodput() + " vs " + g1);
    }
}
