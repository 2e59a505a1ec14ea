package io.scorpio.server.engine;

import io.scorpio.gpusim.GpuProfile;
import io.scorpio.gpusim.GroundTruthStepTime;
import io.scorpio.gpusim.SimulatedGpuWorker;
import io.scorpio.gpusim.StepTimeSampler;
import io.scorpio.server.engine.vllm.VllmWorker;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The workers a node can run, by name: the calibrated GPU simulator {@code llama-3.1-8b-a100} (the default,
 * {@code gpu-sim}), the noise-free {@code model-sim} whose step times are the scheduler's own models,
 * and {@code vllm}. A {@link WorkerFactory} shipped through {@link ServiceLoader} adds a worker, or overrides a
 * built-in of the same name.
 */
public final class WorkerFactories {

    /** The default profile: Llama-3.1-8B on one A100. */
    public static final String LLAMA_3_1_8B_A100 = "llama-3.1-8b-a100";
    /** Seeds each simulated GPU's step-time noise (plus the engine's index), so that runs repeat. */
    static final long SIMULATOR_SEED = 20_250_529L;
    /** The noise-free worker whose step times are the scheduler's own models. */
    public static final String MODEL_SIM = "model-sim";

    private WorkerFactories() {
    }

    public static Map<String, WorkerFactory> all() {
        Map<String, WorkerFactory> out = new LinkedHashMap<>();
        WorkerFactory modelSim = WorkerFactory.ofStepWorker(MODEL_SIM,
                "model-based simulated worker (stand-in for the llama-3.1-8b-a100 GPU simulator; synthetic tokens)",
                c -> new ModelStepWorker(c.guard().stepModel(), c.guard().prefillModel()));
        out.put(LLAMA_3_1_8B_A100, WorkerFactory.ofStepWorker(LLAMA_3_1_8B_A100,
                "llama-3.1-8b-a100 (simulated GPU: Llama-3.1-8B on one A100, calibrated ground truth with noise;"
                        + " synthetic tokens)",
                c -> SimulatedGpuWorker.untilMaxTokens(new StepTimeSampler(
                        new GroundTruthStepTime(GpuProfile.load(LLAMA_3_1_8B_A100, c.settings().data())),
                        SIMULATOR_SEED + c.engine()))));
        out.put(MODEL_SIM, modelSim);
        out.put("vllm", new WorkerFactory() {
            @Override
            public String name() {
                return "vllm";
            }

            @Override
            public EngineWorker create(WorkerContext c) {
                return new VllmWorker(c);
            }
        });
        for (WorkerFactory f : ServiceLoader.load(WorkerFactory.class)) {
            out.put(f.name().toLowerCase(Locale.ROOT), f);
        }
        return out;
    }

    public static WorkerFactory named(String name) {
        Map<String, WorkerFactory> all = all();
        WorkerFactory f = all.get(name.toLowerCase(Locale.ROOT));
        if (f == null) {
            throw new IllegalArgumentException("unknown worker '" + name + "'; known workers: " + all.keySet());
        }
        return f;
    }
}
