package io.scorpio.predictor.training;

/**
 * A trained length head with one hidden layer: h = relu(W1 z + b1) over the standardised features z, score =
 * w2 . h + b2 (a log length, already calibrated), length = exp(score) * scale, clipped to [1, maxLength - 1] as
 * {@link LinearHead} is.
 *
 * @param standardisation per-feature mean and standard deviation of the training rows
 * @param w1              first-layer weights, [features, hidden] row-major (the ONNX MatMul layout)
 * @param b1              first-layer bias, one per hidden unit
 * @param w2              output weights, one per hidden unit
 * @param b2              output bias
 * @param scale           multiplies the length (smearing: the mean of exp(residual) over the training rows)
 * @param maxLength       the binning's maximum length (8192)
 */
public record MlpHead(HeadFeatures.Standardisation standardisation, float[] w1, float[] b1, float[] w2, float b2,
                      float scale, int maxLength) implements LengthHead {

    public int hidden() {
        return b1.length;
    }

    /** The calibrated log-length score, in float in the order the ONNX graph computes it. */
    public float score(float[] rawFeatures) {
        float[] z = standardisation.apply(rawFeatures);
        int h = hidden();
        float[] a = new float[h];
        for (int d = 0; d < z.length; d++) {
            float zd = z[d];
            int row = d * h;
            for (int j = 0; j < h; j++) {
                a[j] += zd * w1[row + j];
            }
        }
        float s = 0;
        for (int j = 0; j < h; j++) {
            s += Math.max(a[j] + b1[j], 0f) * w2[j];
        }
        return s + b2;
    }

    @Override
    public double predictLength(float[] rawFeatures) {
        float length = (float) Math.exp(score(rawFeatures)) * scale;
        return Math.min(Math.max(length, 1f), maxLength - 1f);
    }
}
