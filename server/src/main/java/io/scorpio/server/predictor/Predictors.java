package io.scorpio.server.predictor;

import io.scorpio.server.config.PredictorSettings;
import java.util.concurrent.CompletableFuture;

/** The predictors a node can run, by the {@code predictor} configuration key. */
public final class Predictors {

    private Predictors() {
    }

    /** No prediction: the scheduler uses each request's {@code max_tokens} as O (spec 4). */
    public static final OutputLengthPredictor NONE = new OutputLengthPredictor() {
        @Override
        public CompletableFuture<Integer> predict(String prompt, int promptTokens) {
            return CompletableFuture.completedFuture(NO_PREDICTION);
        }

        @Override
        public String describe() {
            return "none (max_tokens stands in for the output length)";
        }
    };

    public static OutputLengthPredictor named(PredictorSettings settings) {
        String name = settings.kind();
        if ("none".equals(name)) {
            return NONE;
        }
        if ("onnx".equals(name)) {
            return OnnxLengthPredictor.open(settings);
        }
        throw new IllegalArgumentException("unknown predictor '" + name + "'; known predictors: [onnx, none]");
    }
}
