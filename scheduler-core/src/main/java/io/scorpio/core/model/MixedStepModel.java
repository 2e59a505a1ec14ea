package io.scorpio.core.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The step-time model of the chunked-prefill engine, where one step carries decodes and prompt chunks together:
 * spec 2.2's decode form plus a term per chunk token and one per attention pair,
 * {@code mixed(B, L, n, A) = a*B*L + b*B + c*L + d + e*n + f*A}, with n the chunk tokens of the step and
 * A = sum of {@code c * (2p + c)} over its chunks (chunk of c tokens after p prefilled ones). Fitted as spec 2.2
 * fits the decode model: OLS, drop points with {@code |y - yhat| / min(y, yhat) > 1}, refit.
 */
public record MixedStepModel(double a, double b, double c, double d, double e, double f) {

    public MixedStepModel {
        for (double v : new double[] {a, b, c, d, e, f}) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("mixed-step coefficients must be finite: " + a + ", " + b + ", "
                        + c + ", " + d + ", " + e + ", " + f);
            }
        }
    }

    /**
     * A stand-in when no mixed steps were profiled: the decode model plus the prefill model's cost per token. It
     * ignores attention and the prefill model's fixed part, so a fitted model should replace it.
     */
    public static MixedStepModel fromSeparate(StepTimeModel step, PrefillTimeModel prefill) {
        return new MixedStepModel(step.a(), step.b(), step.c(), step.d(), Math.max(0, prefill.alpha()), 0);
    }

    /** Predicted duration of one step, in ms. B may be fractional (a virtual batch size). */
    public double stepMs(double batchSize, double meanLength, double chunkTokens, double attentionPairs) {
        return a * batchSize * meanLength + b * batchSize + c * meanLength + d + e * chunkTokens + f * attentionPairs;
    }

    /** The attention pairs of a chunk of {@code chunk} tokens after {@code prefix} prefilled ones. */
    public static double attentionPairs(long prefix, long chunk) {
        return (double) chunk * (2.0 * prefix + chunk);
    }

    public static ModelFit<MixedStepModel> fit(List<MixedSample> samples) {
        if (samples.size() < 6) {
            throw new IllegalArgumentException("the mixed-step model needs at least 6 samples, got " + samples.size());
        }
        MixedStepModel first = ols(samples);
        List<MixedSample> kept = new ArrayList<>(samples.size());
        for (MixedSample s : samples) {
            if (!Outliers.isOutlier(s.stepMs(), first.predict(s))) {
                kept.add(s);
            }
        }
        MixedStepModel model = kept.size() >= 6 ? ols(kept) : first;
        List<MixedSample> measured = kept.size() >= 6 ? kept : samples;
        return new ModelFit<>(model, accuracy(model, measured), samples.size() - measured.size());
    }

    public static FitAccuracy accuracy(MixedStepModel model, List<MixedSample> samples) {
        double[] y = new double[samples.size()];
        double[] yhat = new double[samples.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = samples.get(i).stepMs();
            yhat[i] = model.predict(samples.get(i));
        }
        return FitAccuracy.of(y, yhat);
    }

    double predict(MixedSample s) {
        return stepMs(s.batchSize(), s.meanLength(), s.chunkTokens(), s.attentionPairs());
    }

    private static MixedStepModel ols(List<MixedSample> samples) {
        double[][] x = new double[samples.size()][];
        double[] y = new double[samples.size()];
        for (int i = 0; i < x.length; i++) {
            MixedSample s = samples.get(i);
            x[i] = new double[] {s.batchSize() * s.meanLength(), s.batchSize(), s.meanLength(), 1, s.chunkTokens(),
                s.attentionPairs()};
            y[i] = s.stepMs();
        }
        double[] k = LeastSquares.solve(x, y);
        return new MixedStepModel(k[0], k[1], k[2], k[3], k[4], k[5]);
    }
}
