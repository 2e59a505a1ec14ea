package io.scorpio.server.engine;

import io.scorpio.core.engine.StepWorker;
import java.util.function.Function;

/**
 * Builds the worker of one engine, chosen by the {@code worker} configuration key. Built-in factories are in
 * {@link WorkerFactories}; other modules can add theirs there or through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.scorpio.server.engine.WorkerFactory}).
 */
public interface WorkerFactory {

    /** The name the {@code worker} key selects, e.g. {@code llama-3.1-8b-a100} or {@code vllm}. */
    String name();

    EngineWorker create(WorkerContext context);

    /**
     * The usual way to plug in a simulated GPU: any core {@link StepWorker}, run in real time (scaled by
     * {@code worker.time-scale}) with synthetic token text.
     */
    static WorkerFactory ofStepWorker(String name, String description, Function<WorkerContext, StepWorker> build) {
        return new WorkerFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public EngineWorker create(WorkerContext c) {
                return new TimedStepWorker(c.vertx(), build.apply(c), c.settings().timeScale(), description);
            }
        };
    }
}
