package io.scorpio.experiments.runner;

import io.scorpio.core.cluster.Placement;
import io.scorpio.core.cluster.VirtualTimeCluster;
import io.scorpio.core.engine.EngineListener;
import io.scorpio.core.engine.Listeners;
import io.scorpio.core.engine.StepProfiler;
import io.scorpio.core.engine.VirtualTimeEngine;
import io.scorpio.core.model.MixedStepModel;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.GuardOptions;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.core.scheduler.Rejection;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.core.scheduler.SubmitResult;
import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.gpusim.GroundTruthStepTime;
import io.scorpio.gpusim.SimulatedGpuWorker;
import io.scorpio.gpusim.StepTimeSampler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a workload under one policy, in virtual time, on the simulated GPU: the scheduling core and
 * the simulated worker exactly as the service uses them, with the clock replaced by the engine loop's.
 */
public final class Simulation {

    /**
     * Everything a run depends on besides its workload. {@code mixedModel} prices the chunked engine's mixed steps
     * for the policies that use it ({@code scorpio-chunked}); null: one derived from the other two models.
     */
    public record Setup(Policy policy, SchedulerConfig config, GuardOptions options, StepTimeModel stepModel,
                        PrefillTimeModel prefillModel, GpuProfile gpu, long seed, MixedStepModel mixedModel) {
        public Setup(Policy policy, SchedulerConfig config, StepTimeModel stepModel, PrefillTimeModel prefillModel,
                     GpuProfile gpu, long seed) {
            this(policy, config, GuardOptions.NONE, stepModel, prefillModel, gpu, seed);
        }

        public Setup(Policy policy, SchedulerConfig config, GuardOptions options, StepTimeModel stepModel,
                     PrefillTimeModel prefillModel, GpuProfile gpu, long seed) {
            this(policy, config, options, stepModel, prefillModel, gpu, seed, null);
        }

        public Setup withOptions(GuardOptions o) {
            return new Setup(policy, config, o, stepModel, prefillModel, gpu, seed, mixedModel);
        }

        public Setup withMixedModel(MixedStepModel m) {
            return new Setup(policy, config, options, stepModel, prefillModel, gpu, seed, m);
        }
    }

    /** A finished run: one result per request, the engine's totals, and the summary of spec section 1. */
    public record Run(Setup setup, List<RequestResult> results, VirtualTimeCluster.RunStats stats, RunSummary summary,
                      StepProfiler profile, int bestEffortServed) {

        /** The guard's decision time over the engine's busy time (the paper's Table 2). */
        public double overheadFraction() {
            return stats.busyMs() <= 0 ? 0 : stats.decisionNanos() / 1e6 / stats.busyMs();
        }
    }

    private Simulation() {
    }

    public static Run run(List<WorkloadRequest> workload, Setup setup) {
        Map<String, WorkloadRequest> byId = new HashMap<>();
        List<RequestSpec> specs = specs(workload, byId);
        Scheduler scheduler = new Scheduler(setup.policy(), setup.config(), setup.options(), setup.stepModel(),
                setup.prefillModel(), setup.mixedModel());
        StepTimeSampler sampler = new StepTimeSampler(new GroundTruthStepTime(setup.gpu()), setup.seed());
        SimulatedGpuWorker worker = new SimulatedGpuWorker(sampler, id -> byId.get(id).outputTokens());
        Recorder recorder = new Recorder(byId);
        StepProfiler profiler = new StepProfiler();
        VirtualTimeCluster.RunStats stats =
                new VirtualTimeEngine(scheduler, worker, Listeners.of(recorder, profiler)).run(specs);
        List<RequestResult> results = sorted(recorder, workload.size());
        return new Run(setup, results, stats, RunSummary.of(results), profiler, recorder.bestEffortServed);
    }

    /** A finished run on several engines. */
    public record ClusterRun(List<RequestResult> results, VirtualTimeCluster.RunStats stats, RunSummary summary) {
    }

    /**
     * The same workload on {@code engines} simulated GPUs, each with its own scheduler (the setup's policy,
     * options and models) and its own step-time noise, requests placed by {@code placement} and, with
     * {@code migrate}, moved once from an engine that would reject them to one that can still meet their TTFT.
     */
    public static ClusterRun runCluster(List<WorkloadRequest> workload, Setup setup, int engines, Placement placement,
                                        boolean migrate) {
        Map<String, WorkloadRequest> byId = new HashMap<>();
        List<RequestSpec> specs = specs(workload, byId);
        List<VirtualTimeCluster.Engine> cluster = new ArrayList<>();
        for (int i = 0; i < engines; i++) {
            Scheduler scheduler = new Scheduler(setup.policy(), setup.config(), setup.options(), setup.stepModel(),
                    setup.prefillModel(), setup.mixedModel());
            StepTimeSampler sampler = new StepTimeSampler(new GroundTruthStepTime(setup.gpu()), setup.seed() + i);
            cluster.add(new VirtualTimeCluster.Engine(scheduler,
                    new SimulatedGpuWorker(sampler, id -> byId.get(id).outputTokens())));
        }
        Recorder recorder = new Recorder(byId);
        VirtualTimeCluster.RunStats stats = new VirtualTimeCluster(cluster, placement, migrate, recorder).run(specs);
        List<RequestResult> results = sorted(recorder, workload.size());
        return new ClusterRun(results, stats, RunSummary.of(results));
    }

    private static List<RequestSpec> specs(List<WorkloadRequest> workload, Map<String, WorkloadRequest> byId) {
        List<RequestSpec> specs = new ArrayList<>(workload.size());
        for (WorkloadRequest w : workload) {
            String id = Integer.toString(w.id());
            if (byId.put(id, w) != null) {
                throw new IllegalArgumentException("duplicate request id " + id);
            }
            specs.add(new RequestSpec(id, w.arrivalMs(), w.promptTokens(), w.maxTokens(), w.slo(),
                    w.predictedOutputTokens().orElse(RequestSpec.NO_PREDICTION)));
        }
        return specs;
    }

    private static List<RequestResult> sorted(Recorder recorder, int expected) {
        if (recorder.results.size() != expected) {
            throw new IllegalStateException(recorder.results.size() + " of " + expected + " requests ended");
        }
        List<RequestResult> results = new ArrayList<>(recorder.results);
        results.sort(Comparator.comparingLong(RequestResult::id));
        return List.copyOf(results);
    }

    /** Turns the engine's events into one {@link RequestResult} per request. */
    private static final class Recorder implements EngineListener {
        private final Map<String, WorkloadRequest> byId;
        final List<RequestResult> results = new ArrayList<>();
        /** Requests demoted to best effort that still completed (GuardOptions.bestEffort). */
        int bestEffortServed;

        Recorder(Map<String, WorkloadRequest> byId) {
            this.byId = byId;
        }

        @Override
        public void refused(SubmitResult.Refused refused, double nowMs) {
            WorkloadRequest w = byId.get(refused.spec().id());
            results.add(RequestResult.rejected(w.id(), w.sloClass(), w.slo(), w.arrivalMs(), nowMs, refused.reason()));
        }

        @Override
        public void rejected(Rejection rejection, double nowMs) {
            WorkloadRequest w = byId.get(rejection.request().id());
            results.add(RequestResult.rejected(w.id(), w.sloClass(), w.slo(), w.arrivalMs(), nowMs, rejection.reason()));
        }

        @Override
        public void finished(RequestState r, double nowMs) {
            if (r.isBestEffort()) {
                bestEffortServed++;
            }
            WorkloadRequest w = byId.get(r.id());
            results.add(RequestResult.completed(w.id(), w.sloClass(), w.slo(), w.arrivalMs(), r.firstTokenMs(), nowMs,
                    r.generatedTokens()));
        }
    }
}
