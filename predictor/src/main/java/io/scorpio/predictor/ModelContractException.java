package io.scorpio.predictor;

/** A model folder does not honour the predictor's model contract (see onnx-models/README.md). */
public class ModelContractException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ModelContractException(String message) {
        super(message);
    }

    public ModelContractException(String message, Throwable cause) {
        super(message, cause);
    }
}
