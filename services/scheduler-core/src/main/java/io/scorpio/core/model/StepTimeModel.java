package io.scorpio.core.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The decode step-time (inter-token latency) model of spec 2.2: {@code step(B, L) = a*B*L + b*B + c*L + d},
 * B the decode batch size and L the mean current length (prompt + generated) over the batch.
 */
public record StepTimeModel(double a, double b, double c, double d) {

    public StepTimeModel {
        if (!Double.isFinite(a) || !Double.isFinite(b) || !Double.isFinite(c) || !Double.isFinite(d)) {
            throw new IllegalArgumentException("step-time coefficients must be finite: " + a + ", " + b + ", " + c + ", " + d);
        }
    }

    /** Predicted duration of one decode step, in ms. B may be fractional (a virtual batch size). */
    public double stepMs(double batchSize, double meanLength) {
        return a * batchSize * meanLength + b * batchSize + c * meanLength + d;
    }

    /**
     * Predicted TPOT over the next {@code outputTokens} steps of a batch whose mean current length is
     * {@code meanLength}: exact for a model linear in L, because lengths grow from I to I + O.
     */
    public double predictTpotMs(double batchSize, double meanLength, double outputTokens) {
        return stepMs(batchSize, meanLength + outputTokens / 2.0);
    }

    /**
     * Fits the model by OLS on columns [B*L, B, L, 1], drops the outliers of spec 2.2, and refits.
     */
    public static ModelFit<StepTimeModel> fit(List<DecodeSample> samples) {
        if (samples.size() < 4) {
            throw new IllegalArgumentException("the step-time model needs at least 4 decode samples, got " + samples.size());
        }
        StepTimeModel first = ols(samples);
        List<DecodeSample> kept = new ArrayList<>(samples.size());
        for (DecodeSample s : samples) {
            if (!Outliers.isOutlier(s.stepMs(), first.stepMs(s.batchSize(), s.meanLength()))) {
                kept.add(s);
            }
        }
        StepTimeModel model = kept.size() >= 4 ? ols(kept) : first;
        List<DecodeSample> measured = kept.size() >= 4 ? kept : samples;
        return new ModelFit<>(model, accuracy(model, measured), samples.size() - measured.size());
    }

    /** Accuracy of this model on any set of samples (e.g. a held-out profile). */
    public static FitAccuracy accuracy(StepTimeModel model, List<DecodeSample> samples) {
        double[] y = new double[samples.size()];
        double[] yhat = new double[samples.size()];
        for (int i = 0; i < y.length; i++) {
            DecodeSample s = samples.get(i);
            y[i] = s.stepMs();
            yhat[i] = model.stepMs(s.batchSize(), s.meanLength());
        }
        return FitAccuracy.of(y, yhat);
    }

    private static StepTimeModel ols(List<DecodeSample> samples) {
        double[][] x = new double[samples.size()][];
        double[] y = new double[samples.size()];
        for (int i = 0; i < x.length; i++) {
            DecodeSample s = samples.get(i);
            x[i] = new double[] {s.batchSize() * s.meanLength(), s.batchSize(), s.meanLength(), 1};
            y[i] = s.stepMs();
        }
        double[] beta = LeastSquares.solve(x, y);
        return new StepTimeModel(beta[0], beta[1], beta[2], beta[3]);
    }
}
