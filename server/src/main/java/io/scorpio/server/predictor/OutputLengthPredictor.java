package io.scorpio.server.predictor;

import java.util.concurrent.CompletionStage;

/**
 * Predicts how many tokens a prompt's response will have (spec 2.1). Asynchronous, because the real one runs
 * an ONNX classifier that may batch requests.
 *
 * <p>PLUG-IN POINT for the ONNX length predictor ({@code predictor}): implement this interface there
 * (or adapt its class here) and add it to {@link Predictors#named}. Return {@link #NO_PREDICTION} when there
 * is none; the scheduler then uses {@code max_tokens}.
 */
public interface OutputLengthPredictor extends AutoCloseable {

    int NO_PREDICTION = -1;

    /** The predicted output length in tokens, or {@link #NO_PREDICTION}. */
    CompletionStage<Integer> predict(String prompt, int promptTokens);

    String describe();

    /** Registers the predictor's own meters (queue, batch time), if it has any. */
    default void instrument(io.scorpio.server.metrics.ServerMetrics metrics) {
    }

    @Override
    default void close() {
    }
}
