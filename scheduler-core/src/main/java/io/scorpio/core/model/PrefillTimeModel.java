package io.scorpio.core.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The prefill-time model of spec 2.3: {@code T(n) = C} for {@code n <= theta}, else {@code alpha*n + beta},
 * n the total prompt tokens in one prefill step. Small prefills are bound by fixed costs, large ones by
 * compute, hence the two pieces.
 */
public record PrefillTimeModel(int theta, double constantMs, double alpha, double beta) {

    /** The thresholds the fit searches: 50, 100, ..., 1000 tokens. */
    public static final int THETA_STEP = 50;
    public static final int THETA_MAX = 1000;

    public PrefillTimeModel {
        if (theta < 0 || !Double.isFinite(constantMs) || !Double.isFinite(alpha) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("bad prefill model: theta=" + theta + " C=" + constantMs
                    + " alpha=" + alpha + " beta=" + beta);
        }
    }

    /** Predicted duration of a prefill step over {@code tokens} prompt tokens, in ms. */
    public double prefillMs(long tokens) {
        return tokens <= theta ? constantMs : alpha * tokens + beta;
    }

    /**
     * The largest prediction for any token count up to {@code tokens}: the model may step down at theta,
     * so it is not monotone, and the TTFT guard's early exit needs a true upper bound.
     */
    public double maxPrefillMsUpTo(long tokens) {
        if (tokens <= theta) {
            return constantMs;
        }
        double linearMax = alpha >= 0 ? alpha * tokens + beta : alpha * (theta + 1) + beta;
        return Math.max(constantMs, linearMax);
    }

    /**
     * Fits C, alpha and beta for every theta in 50, 100, ..., 1000 and keeps the best R^2; then drops the
     * outliers of spec 2.2 and searches again on what is left.
     */
    public static ModelFit<PrefillTimeModel> fit(List<PrefillSample> samples) {
        if (samples.size() < 3) {
            throw new IllegalArgumentException("the prefill model needs at least 3 samples, got " + samples.size());
        }
        PrefillTimeModel first = search(samples);
        List<PrefillSample> kept = new ArrayList<>(samples.size());
        for (PrefillSample s : samples) {
            if (!Outliers.isOutlier(s.stepMs(), first.prefillMs(s.tokens()))) {
                kept.add(s);
            }
        }
        boolean refit = kept.size() >= 3;
        PrefillTimeModel model = refit ? search(kept) : first;
        List<PrefillSample> measured = refit ? kept : samples;
        return new ModelFit<>(model, accuracy(model, measured), samples.size() - measured.size());
    }

    public static FitAccuracy accuracy(PrefillTimeModel model, List<PrefillSample> samples) {
        double[] y = new double[samples.size()];
        double[] yhat = new double[samples.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = samples.get(i).stepMs();
            yhat[i] = model.prefillMs(samples.get(i).tokens());
        }
        return FitAccuracy.of(y, yhat);
    }

    private static PrefillTimeModel search(List<PrefillSample> samples) {
        PrefillTimeModel best = null;
        double bestR2 = Double.NEGATIVE_INFINITY;
        for (int theta = THETA_STEP; theta <= THETA_MAX; theta += THETA_STEP) {
            PrefillTimeModel candidate = fitAt(theta, samples);
            double r2 = accuracy(candidate, samples).r2();
            if (r2 > bestR2) {
                bestR2 = r2;
                best = candidate;
            }
        }
        return best;
    }

    /** C = mean of samples at or below theta; alpha, beta = OLS above it. An empty side borrows from the other. */
    static PrefillTimeModel fitAt(int theta, List<PrefillSample> samples) {
        double sumBelow = 0;
        int below = 0;
        List<PrefillSample> above = new ArrayList<>();
        for (PrefillSample s : samples) {
            if (s.tokens() <= theta) {
                sumBelow += s.stepMs();
                below++;
            } else {
                above.add(s);
            }
        }
        double alpha = 0;
        double beta;
        if (above.size() >= 2 && distinctTokens(above)) {
            double[][] x = new double[above.size()][];
            double[] y = new double[above.size()];
            for (int i = 0; i < y.length; i++) {
                x[i] = new double[] {above.get(i).tokens(), 1};
                y[i] = above.get(i).stepMs();
            }
            double[] coef = LeastSquares.solve(x, y);
            alpha = coef[0];
            beta = coef[1];
        } else if (!above.isEmpty()) {
            beta = above.stream().mapToDouble(PrefillSample::stepMs).average().orElseThrow();
        } else {
            beta = sumBelow / below;
        }
        double constant = below > 0 ? sumBelow / below : alpha * theta + beta;
        return new PrefillTimeModel(theta, constant, alpha, beta);
    }

    private static boolean distinctTokens(List<PrefillSample> samples) {
        int first = samples.get(0).tokens();
        for (PrefillSample s : samples) {
            if (s.tokens() != first) {
                return true;
            }
        }
        return false;
    }
}
