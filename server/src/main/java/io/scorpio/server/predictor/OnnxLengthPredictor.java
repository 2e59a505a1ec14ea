package io.scorpio.server.predictor;

import io.scorpio.predictor.BatchingPredictor;
import io.scorpio.predictor.LengthPredictor;
import io.scorpio.predictor.ModelCatalog;
import io.scorpio.predictor.Prediction;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.scorpio.server.config.PredictorSettings;
import io.scorpio.server.metrics.ServerMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The ONNX output-length predictor of {@code predictor} behind {@link OutputLengthPredictor}.
 * Prompts run on the batching front's own threads (its defaults suit the model), never on an event loop. A
 * prediction not run within the ingress's wait ({@code predictor.timeout-ms}) leaves the queue unrun: the ingress has
 * gone on without it, and running it anyway would delay every later request.
 */
final class OnnxLengthPredictor implements OutputLengthPredictor {

    private final LengthPredictor model;
    private final BatchingPredictor batching;
    private final Path modelDir;
    private final long timeoutMs;

    private OnnxLengthPredictor(Path modelDir, LengthPredictor model, long timeoutMs, int queueCapacity) {
        this.modelDir = modelDir;
        this.model = model;
        this.timeoutMs = timeoutMs;
        this.batching = new BatchingPredictor(model, BatchingPredictor.DEFAULT_MAX_BATCH, BatchingPredictor.DEFAULT_MAX_WAIT,
                queueCapacity);
    }

    /** Opens the model folder named by {@code predictor.model-dir}, else the shipped default. */
    static OnnxLengthPredictor open(PredictorSettings settings) {
        Path dir = settings.modelDir().orElseGet(ModelCatalog::defaultModelDir);
        return new OnnxLengthPredictor(dir, LengthPredictor.open(dir, settings.runtime()), settings.timeoutMs(),
                settings.queueCapacity());
    }

    @Override
    public CompletionStage<Integer> predict(String prompt, int promptTokens) {
        // orTimeout completes the queued future itself, which takes it out of the batcher's queue.
        return batching.submit(prompt).orTimeout(timeoutMs, TimeUnit.MILLISECONDS).thenApply(Prediction::predictedLength);
    }

    @Override
    public void instrument(ServerMetrics metrics) {
        metrics.gauge("scorpio_predictor_queued", "predictions waiting for the length predictor's thread", Tags.empty(),
                batching::queued);
        FunctionCounter.builder("scorpio_predictor_abandoned", batching, BatchingPredictor::abandoned)
                .description("predictions dropped from the queue unrun: the ingress had stopped waiting")
                .register(metrics.registry());
        Timer batch = Timer.builder("scorpio_predictor_batch").description("time the length predictor spent on one batch")
                .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
                        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(1000))
                .register(metrics.registry());
        batching.observe((size, nanos) -> batch.record(nanos, TimeUnit.NANOSECONDS));
    }

    @Override
    public String describe() {
        return "onnx (" + modelDir.getFileName() + " on " + model.device() + ")";
    }

    @Override
    public void close() {
        batching.close();
        model.close();
    }
}
