package io.scorpio.predictor;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shipped models are: {@code onnx-models/} in the working directory or the nearest parent that has it, and in
 * it the default model. Another folder is chosen by whoever opens the predictor (the service's {@code predictor.model-dir}
 * key, the experiments' {@code --predictor-model}).
 */
public final class ModelCatalog {

    public static final String MODELS_FOLDER = "onnx-models";
    public static final String DEFAULT_MODEL = "minilm-l6q-mlp-rank-length";

    private ModelCatalog() {
    }

    public static Path defaultModelDir() {
        return modelsRoot().resolve(DEFAULT_MODEL);
    }

    /** The project's onnx-models folder, found from the working directory upwards. */
    public static Path modelsRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path dir = cwd; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(MODELS_FOLDER);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no " + MODELS_FOLDER + " folder in " + cwd + " or its parents; name the model folder explicitly (predictor.model-dir)");
    }
}
