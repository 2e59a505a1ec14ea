package io.scorpio.experiments.runner;

import io.scorpio.core.model.DecodeSample;
import io.scorpio.core.model.MixedSample;
import io.scorpio.core.model.MixedStepModel;
import io.scorpio.core.model.ModelFit;
import io.scorpio.core.model.PrefillSample;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.experiments.workload.WorkloadGenerator;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.model.LengthSample;
import java.util.ArrayList;
import java.util.List;

/**
 * The first calibration step (issue 3): profile the simulated worker under the {@code vllm} policy and fit
 * the Scorpio step-time and prefill-time models to those samples, as the paper fits them to its GPU.
 */
public record FittedModels(ModelFit<StepTimeModel> step, ModelFit<PrefillTimeModel> prefill, int decodeSamples,
                           int prefillSamples) {

    /** A deliberately rough starting point: {@code vllm} uses no model, so it only seeds the types. */
    static final StepTimeModel UNFITTED_STEP = new StepTimeModel(0, 0.1, 0, 10);
    static final PrefillTimeModel UNFITTED_PREFILL = new PrefillTimeModel(100, 15, 0.06, 10);

    /** The QPS points whose vllm runs are profiled: light to overloaded, so B and L span their range. */
    static final double[] PROFILE_QPS = {3, 6, 9, 12, 15};

    public static FittedModels profile(GpuProfile gpu, List<LengthSample> pool, long seed) {
        List<DecodeSample> decodes = new ArrayList<>();
        List<PrefillSample> prefills = new ArrayList<>();
        WorkloadGenerator gen = WorkloadGenerator.paperDefaults();
        for (double qps : PROFILE_QPS) {
            Simulation.Setup setup = new Simulation.Setup(Policy.VLLM, SchedulerConfig.PAPER, UNFITTED_STEP,
                    UNFITTED_PREFILL, gpu, seed + (long) qps);
            Simulation.Run run = Simulation.run(gen.poisson(pool, qps, WorkloadGenerator.PAPER_REQUESTS, seed), setup);
            decodes.addAll(run.profile().decodeSamples());
            prefills.addAll(run.profile().prefillSamples());
        }
        return new FittedModels(StepTimeModel.fit(decodes), PrefillTimeModel.fit(prefills), decodes.size(),
                prefills.size());
    }

    /**
     * The chunked engine's mixed-step model (issue 15), fitted as {@link #profile} fits the decode model: the
     * simulated worker profiled under {@code vllm-v1} (budget 2,048) and {@code sarathi} (512) at the same QPS points,
     * so that the decode batch and the chunk tokens span their range; the decode-only steps of those runs are
     * samples with no chunk. Spec 2.2's fit and outlier rule.
     */
    public static ModelFit<MixedStepModel> profileMixed(GpuProfile gpu, List<LengthSample> pool, long seed) {
        List<MixedSample> samples = new ArrayList<>();
        WorkloadGenerator gen = WorkloadGenerator.paperDefaults();
        for (Policy policy : List.of(Policy.VLLM_V1, Policy.SARATHI)) {
            for (double qps : PROFILE_QPS) {
                Simulation.Setup setup = new Simulation.Setup(policy, SchedulerConfig.PAPER, UNFITTED_STEP,
                        UNFITTED_PREFILL, gpu, seed + (long) qps);
                Simulation.Run run = Simulation.run(gen.poisson(pool, qps, WorkloadGenerator.PAPER_REQUESTS, seed),
                        setup);
                samples.addAll(run.profile().mixedSamples());
                for (DecodeSample d : run.profile().decodeSamples()) {
                    samples.add(new MixedSample(d.batchSize(), d.meanLength(), 0, 0, d.stepMs()));
                }
            }
        }
        return MixedStepModel.fit(samples);
    }

    public Simulation.Setup setup(Policy policy, GpuProfile gpu, long seed) {
        return new Simulation.Setup(policy, SchedulerConfig.PAPER, step.model(), prefill.model(), gpu, seed);
    }
}
