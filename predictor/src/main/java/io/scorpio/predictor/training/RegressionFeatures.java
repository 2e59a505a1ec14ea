package io.scorpio.predictor.training;

/**
 * The regression head's input vector for one prompt: the 384 sentence-embedding values, then t and t squared with
 * t = log(1 + prompt tokens) (the squared term lets the fit bend: very short and very long prompts behave differently).
 * {@link RegressionHeadGraph} computes the same vector inside ONNX.
 */
public final class RegressionFeatures {

    /** Features after the embedding: log tokens and its square. */
    public static final int EXTRA = 2;

    private RegressionFeatures() {
    }

    public static float[] of(MiniLmEncoder.Encoded e) {
        float[] f = new float[e.embedding().length + EXTRA];
        System.arraycopy(e.embedding(), 0, f, 0, e.embedding().length);
        float t = (float) Math.log1p(e.promptTokens());
        f[f.length - 2] = t;
        f[f.length - 1] = t * t;
        return f;
    }
}
