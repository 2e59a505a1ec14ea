package io.scorpio.server.engine;

import io.scorpio.server.engine.vllm.VllmWorker;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The workers a node can run, by name.
 *
 * <p>PLUG-IN POINT for the calibrated GPU simulator ({@code services/gpu-sim}): replace the
 * {@code llama-3.1-8b-a100} entry below with
 * {@code WorkerFactory.ofStepWorker("llama-3.1-8b-a100", "...", c -> <its StepWorker>)} (add the module as a
 * dependency of this one), or ship a {@link WorkerFactory} through {@link ServiceLoader}, which overrides the
 * built-in of the same name. Until then that name runs {@link ModelStepWorker}, a noise-free stand-in.
 */
public final class WorkerFactories {

    /** The default profile: Llama-3.1-8B on one A100. */
    public static final String LLAMA_3_1_8B_A100 = "llama-3.1-8b-a100";
    /** The stand-in by its own, honest name. */
    public static final String MODEL_SIM = "model-sim";

    private WorkerFactories() {
    }

    public static Map<String, WorkerFactory> all() {
        Map<String, WorkerFactory> out = new LinkedHashMap<>();
        WorkerFactory modelSim = WorkerFactory.ofStepWorker(MODEL_SIM,
                "model-based simulated worker (stand-in for the llama-3.1-8b-a100 GPU simulator; synthetic tokens)",
                c -> new ModelStepWorker(c.settings().stepModel(), c.settings().prefillModel()));
        out.put(LLAMA_3_1_8B_A100, WorkerFactory.ofStepWorker(LLAMA_3_1_8B_A100,
                "llama-3.1-8b-a100 (stand-in: the core's step/prefill models, no noise; synthetic tokens)",
                c -> new ModelStepWorker(c.settings().stepModel(), c.settings().prefillModel())));
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
