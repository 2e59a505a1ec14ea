package io.scorpio.server.predictor;

import io.scorpio.predictor.BatchingPredictor;
import io.scorpio.predictor.LengthPredictor;
import io.scorpio.predictor.ModelCatalog;
import io.scorpio.predictor.Prediction;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

/**
 * The ONNX output-length predictor of {@code services/predictor} behind {@link OutputLengthPredictor}.
 * Prompts run on the batching front's own threads (its defaults suit the model), never on an event loop.
 */
final class OnnxLengthPredictor implements OutputLengthPredictor {

    private final LengthPredictor model;
    private final BatchingPredictor batching;
    private final Path modelDir;

    private OnnxLengthPredictor(Path modelDir, LengthPredictor model) {
        this.modelDir = modelDir;
        this.model = model;
        this.batching = new BatchingPredictor(model);
    }

    /** Opens the model folder named by {@code scorpio.predictor.model.dir}, else the shipped default. */
    static OnnxLengthPredictor openDefault() {
        Path dir = ModelCatalog.defaultModelDir();
        return new OnnxLengthPredictor(dir, LengthPredictor.open(dir));
    }

    @Override
    public CompletionStage<Integer> predict(String prompt, int promptTokens) {
        return batching.submit(prompt).thenApply(Prediction::predictedLength);
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
