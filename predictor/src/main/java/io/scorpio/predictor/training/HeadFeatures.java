package io.scorpio.predictor.training;

/**
 * The head's input vector for one prompt: the 384 sentence-embedding values, then log(1 + prompt tokens); and the
 * per-feature standardisation (mean, standard deviation) fitted on the training split, which the head graph applies.
 */
public final class HeadFeatures {

    private HeadFeatures() {
    }

    public static float[] of(MiniLmEncoder.Encoded e) {
        float[] f = new float[e.embedding().length + 1];
        System.arraycopy(e.embedding(), 0, f, 0, e.embedding().length);
        f[f.length - 1] = (float) Math.log1p(e.promptTokens());
        return f;
    }

    /** Means and standard deviations per feature, over the training rows. */
    public record Standardisation(float[] mean, float[] std) {

        public static Standardisation fit(float[][] rows) {
            int dims = rows[0].length;
            float[] mean = new float[dims];
            float[] std = new float[dims];
            for (int d = 0; d < dims; d++) {
                double sum = 0;
                for (float[] r : rows) {
                    sum += r[d];
                }
                double m = sum / rows.length;
                double sq = 0;
                for (float[] r : rows) {
                    sq += (r[d] - m) * (r[d] - m);
                }
                mean[d] = (float) m;
                std[d] = (float) Math.max(Math.sqrt(sq / rows.length), 1e-6);
            }
            return new Standardisation(mean, std);
        }

        /** Every row standardised, widened to double for training. */
        public double[][] applyAll(float[][] rows) {
            double[][] z = new double[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                float[] s = apply(rows[i]);
                z[i] = new double[s.length];
                for (int k = 0; k < s.length; k++) {
                    z[i][k] = s[k];
                }
            }
            return z;
        }

        /** (x - mean) / std, computed in float as the ONNX graph does. */
        public float[] apply(float[] x) {
            float[] z = new float[x.length];
            for (int d = 0; d < x.length; d++) {
                z[d] = (x[d] - mean[d]) / std[d];
            }
            return z;
        }
    }
}
