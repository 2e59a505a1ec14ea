package io.scorpio.server.engine;

import io.scorpio.core.model.StepTimeModel;
import io.scorpio.server.config.GuardSettings;
import io.scorpio.server.config.WorkerSettings;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Vertx;
import java.util.function.Consumer;

/**
 * What a {@link WorkerFactory} gets to build one engine's worker.
 *
 * @param settings the workers' settings ({@code worker.*}, {@code vllm.*})
 * @param guard    the guard's settings: its step-time models and scheduler limits, which some workers follow
 * @param engine the engine's index
 * @param refitted where a worker that learns its own step times reports a refitted model (to the guard)
 */
public record WorkerContext(Vertx vertx, WorkerSettings settings, GuardSettings guard, int engine, ServerMetrics metrics,
                            Consumer<StepTimeModel> refitted) {
}
