package io.scorpio.predictor.training;

/**
 * A trained head that maps a prompt's raw feature row ({@link RegressionFeatures}) to a length in tokens; {@link
 * RegressionHeadGraph} writes either kind as ONNX.
 */
public sealed interface LengthHead permits LinearHead, MlpHead {

    /** The predicted length, computed in float in the order the ONNX graph computes it. */
    double predictLength(float[] rawFeatures);
}
