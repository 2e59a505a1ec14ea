package io.scorpio.predictor.training;

/**
 * A trained linear length head over standardised features: score = w . (x - mean) / std + b. With a log target the
 * predicted length is exp(score) * scale, else score * scale; either is clipped to [1, maxLength - 1] so that a
 * prediction never reaches the last (cap) bin by extrapolation alone.
 *
 * @param standardisation per-feature mean and standard deviation of the training rows
 * @param weights         one weight per feature
 * @param bias            the intercept
 * @param logTarget       whether the score is a log length
 * @param scale           multiplies the length (smearing correction of a log fit: the mean of exp(residual))
 * @param maxLength       the binning's maximum length (8192)
 */
public record LinearHead(HeadFeatures.Standardisation standardisation, float[] weights, float bias, boolean logTarget,
                         float scale, int maxLength) implements LengthHead {

    /** The raw linear score, computed in float in the order the ONNX graph computes it. */
    public float score(float[] rawFeatures) {
        float[] z = standardisation.apply(rawFeatures);
        float s = 0;
        for (int d = 0; d < z.length; d++) {
            s += z[d] * weights[d];
        }
        return s + bias;
    }

    @Override
    public double predictLength(float[] rawFeatures) {
        float s = score(rawFeatures);
        float length = (logTarget ? (float) Math.exp(s) : s) * scale;
        return Math.min(Math.max(length, 1f), maxLength - 1f);
    }
}
