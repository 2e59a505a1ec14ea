package io.scorpio.server.engine;

import io.scorpio.core.model.StepTimeModel;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.VllmSettings;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Vertx;
import java.util.function.Consumer;

/**
 * What a {@link WorkerFactory} gets to build one engine's worker.
 *
 * @param vllm the vLLM worker's settings (which server this engine talks to, priority)
 * @param engine the engine's index
 * @param refitted where a worker that learns its own step times reports a refitted model (to the guard)
 */
public record WorkerContext(Vertx vertx, NodeSettings settings, VllmSettings vllm, int engine, ServerMetrics metrics,
                            Consumer<StepTimeModel> refitted) {
}
