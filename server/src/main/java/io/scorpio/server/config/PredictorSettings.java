package io.scorpio.server.config;

import io.scorpio.predictor.LengthPredictor;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The output-length predictor ({@code predictor.*}): which one, how long the ingress waits for it, how many predictions
 * may queue, which model folder, and how ONNX Runtime runs it.
 *
 * @param kind     {@code onnx} or {@code none}
 * @param modelDir the model folder; empty = the shipped default ({@code onnx-models/} found from the working directory)
 * @param runtime  ONNX Runtime's threads, spinning and device
 */
public record PredictorSettings(String kind, long timeoutMs, int queueCapacity, Optional<Path> modelDir,
                                LengthPredictor.Options runtime) {

    static PredictorSettings from(ServerConfig c) {
        String dir = Keys.optional(c, "predictor.model-dir");
        String threads = c.get("predictor.threads").trim();
        int n;
        if (threads.equalsIgnoreCase("auto")) {
            n = LengthPredictor.Options.MODEL_CHOICE;
        } else {
            n = c.getInt("predictor.threads");
            if (n < 0) {
                throw new IllegalArgumentException("predictor.threads must be 'auto' or >= 0, got " + n);
            }
        }
        LengthPredictor.Options runtime;
        try {
            runtime = new LengthPredictor.Options(n, c.getBoolean("predictor.spin"), c.get("predictor.device"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("predictor.device: " + e.getMessage(), e);
        }
        return new PredictorSettings(Keys.oneOf(c, "predictor", "onnx", "none"), Keys.positive(c, "predictor.timeout-ms"),
                (int) Keys.positive(c, "predictor.queue-capacity"),
                dir.isEmpty() ? Optional.empty() : Optional.of(Path.of(dir).toAbsolutePath().normalize()), runtime);
    }
}
