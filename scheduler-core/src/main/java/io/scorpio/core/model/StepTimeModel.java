package io.scorpio.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

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
        return fit(samples, StepTimeModel::ols);
    }

    /**
     * Like {@link #fit}, with a, b and c held at 0 or above (non-negative least squares), so that the step time never
     * falls as the batch or the lengths grow, as on any GPU. For the online refit from a live server's inter-token
     * gaps: those can cover a narrow range of B and L, and an unconstrained fit there can extrapolate to falling,
     * even negative, step times at the batches and lengths the guard asks about. When {@link #fit}'s a, b and c are
     * already 0 or above, this is the same fit.
     */
    public static ModelFit<StepTimeModel> fitNonNegative(List<DecodeSample> samples) {
        return fit(samples, StepTimeModel::nonNegativeOls);
    }

    private static ModelFit<StepTimeModel> fit(List<DecodeSample> samples, Function<List<DecodeSample>, StepTimeModel> solver) {
        if (samples.size() < 4) {
            throw new IllegalArgumentException("the step-time model needs at least 4 decode samples, got " + samples.size());
        }
        StepTimeModel first = solver.apply(samples);
        List<DecodeSample> kept = new ArrayList<>(samples.size());
        for (DecodeSample s : samples) {
            if (!Outliers.isOutlier(s.stepMs(), first.stepMs(s.batchSize(), s.meanLength()))) {
                kept.add(s);
            }
        }
        StepTimeModel model = kept.size() >= 4 ? solver.apply(kept) : first;
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
        return solve(samples, 0b111);
    }

    /**
     * Exact non-negative least squares in a, b, c (d free), by trying each of the 8 sets of free coefficients: the
     * constrained optimum is the OLS fit on its own set of non-zero coefficients, so it is the best of those fits
     * whose free coefficients all come out non-negative (the empty set, d alone, always does).
     */
    static StepTimeModel nonNegativeOls(List<DecodeSample> samples) {
        StepTimeModel best = null;
        double bestSse = Double.POSITIVE_INFINITY;
        for (int free = 0; free < 8; free++) {
            StepTimeModel m = solve(samples, free);
            if (m.a() >= 0 && m.b() >= 0 && m.c() >= 0) {
                double sse = sse(m, samples);
                if (sse < bestSse) {
                    best = m;
                    bestSse = sse;
                }
            }
        }
        return best;
    }

    private static double sse(StepTimeModel m, List<DecodeSample> samples) {
        double sum = 0;
        for (DecodeSample s : samples) {
            double r = s.stepMs() - m.stepMs(s.batchSize(), s.meanLength());
            sum += r * r;
        }
        return sum;
    }

    /** OLS with only the coefficients in {@code free} (bit 2: a, bit 1: b, bit 0: c) and d; the others are 0. */
    private static StepTimeModel solve(List<DecodeSample> samples, int free) {
        int k = Integer.bitCount(free) + 1;
        double[][] x = new double[samples.size()][k];
        double[] y = new double[samples.size()];
        for (int i = 0; i < x.length; i++) {
            DecodeSample s = samples.get(i);
            int col = 0;
            if ((free & 0b100) != 0) {
                x[i][col++] = s.batchSize() * s.meanLength();
            }
            if ((free & 0b010) != 0) {
                x[i][col++] = s.batchSize();
            }
            if ((free & 0b001) != 0) {
                x[i][col++] = s.meanLength();
            }
            x[i][col] = 1;
            y[i] = s.stepMs();
        }
        double[] beta = LeastSquares.solve(x, y);
        double[] abcd = new double[4];
        int col = 0;
        for (int bit = 2; bit >= 0; bit--) {
            if ((free & (1 << bit)) != 0) {
                abcd[2 - bit] = beta[col++];
            }
        }
        abcd[3] = beta[col];
        return new StepTimeModel(abcd[0], abcd[1], abcd[2], abcd[3]);
    }
}
