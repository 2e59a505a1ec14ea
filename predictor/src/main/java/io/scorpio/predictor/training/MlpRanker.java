package io.scorpio.predictor.training;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * A one-hidden-layer scorer (ReLU) trained with the pairwise ranking loss of {@link PairwiseRanker} (RankNet, as
 * vllm-ltr trains its ranker), then calibrated to tokens: least squares of log(length) on the score over the
 * uncensored rows, and smearing. A linear score can only weigh each embedding direction once; the hidden layer lets the
 * head react to combinations. Plain SGD over random pairs, with the pairs whose order is unknown skipped (tied labels,
 * or the shorter label censored). Deterministic for a seed.
 *
 * <p>A hidden layer fits its training rows more closely than a linear score does, so a calibration fitted on the same
 * rows trusts the score too much and over-predicts the long tail on new prompts. With {@code folds} of 2 or more the
 * head is cross-fitted instead: one scorer per fold, trained on the other folds; the calibration is fitted on each
 * row's score from the scorer that did not see it; the head averages the scorers (one hidden layer with all their
 * units, so it is still an {@link MlpHead}).
 */
public final class MlpRanker {

    private MlpRanker() {
    }

    /** One scorer's weights: w1 one row per hidden unit, b1, w2. */
    private record Scorer(double[][] w1, double[] b1, double[] w2) {

        double score(double[] z) {
            return forward(w1, b1, w2, z, new double[w2.length]);
        }
    }

    /**
     * Trains on {@code pairsPerRow * n} random pairs per scorer with learning rate {@code rate / sqrt(1 + step / n)}
     * and L2 penalty {@code l2} on the weights, with {@code hidden} ReLU units (He-initialised from the seed); with
     * {@code folds >= 2}, cross-fitted as described above.
     */
    public static MlpHead fit(float[][] x, int[] lengths, boolean[] censored, int hidden, int pairsPerRow, double rate,
                              double l2, boolean smear, long seed, int maxLength, int folds) {
        int n = x.length;
        int d = x[0].length;
        HeadFeatures.Standardisation std = HeadFeatures.Standardisation.fit(x);
        double[][] z = std.applyAll(x);
        List<Scorer> scorers = new ArrayList<>();
        double[] calibrationScores = new double[n]; // the score each row gets from a scorer that did not train on it
        if (folds < 2) {
            Scorer all = train(z, range(n), lengths, censored, hidden, pairsPerRow, rate, l2, new Random(seed));
            scorers.add(all);
            for (int i = 0; i < n; i++) {
                calibrationScores[i] = all.score(z[i]);
            }
        } else {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(seed));
            int[] fold = new int[n];
            for (int r = 0; r < n; r++) {
                fold[order.get(r)] = r % folds;
            }
            for (int f = 0; f < folds; f++) {
                final int held = f;
                int[] trainRows = IntStream.range(0, n).filter(i -> fold[i] != held).toArray();
                Scorer s = train(z, trainRows, lengths, censored, hidden, pairsPerRow, rate, l2, new Random(seed + 1 + f));
                scorers.add(s);
                for (int i = 0; i < n; i++) {
                    if (fold[i] == held) {
                        calibrationScores[i] = s.score(z[i]);
                    }
                }
            }
        }
        // Calibrate: log(length) ~ alpha + beta * score, on the uncensored rows.
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (censored[i]) {
                continue;
            }
            double y = Math.log(Math.max(lengths[i], 1));
            sx += calibrationScores[i];
            sy += y;
            sxx += calibrationScores[i] * calibrationScores[i];
            sxy += calibrationScores[i] * y;
            m++;
        }
        double beta = (sxy - sx * sy / m) / Math.max(sxx - sx * sx / m, 1e-12);
        double alpha = (sy - beta * sx) / m;
        double scale = 1;
        if (smear) {
            // Duan's smearing: exp of a log fit estimates the median; times the mean of exp(residual), the mean.
            double sum = 0;
            for (int i = 0; i < n; i++) {
                if (!censored[i]) {
                    sum += Math.exp(Math.log(Math.max(lengths[i], 1)) - alpha - beta * calibrationScores[i]);
                }
            }
            scale = sum / m;
        }
        // The head: all scorers' units side by side, each scorer's output weights divided by their number (the mean).
        int units = hidden * scorers.size();
        float[] w1Out = new float[d * units]; // [features, units] row-major
        float[] b1Out = new float[units];
        float[] w2Out = new float[units];
        for (int s = 0; s < scorers.size(); s++) {
            Scorer scorer = scorers.get(s);
            for (int j = 0; j < hidden; j++) {
                int unit = s * hidden + j;
                for (int k = 0; k < d; k++) {
                    w1Out[k * units + unit] = (float) scorer.w1()[j][k];
                }
                b1Out[unit] = (float) scorer.b1()[j];
                w2Out[unit] = (float) (beta * scorer.w2()[j] / scorers.size());
            }
        }
        return new MlpHead(std, w1Out, b1Out, w2Out, (float) alpha, (float) scale, maxLength);
    }

    private static int[] range(int n) {
        return IntStream.range(0, n).toArray();
    }

    /** Pairwise SGD of one scorer on the rows {@code rows}. */
    private static Scorer train(double[][] z, int[] rows, int[] lengths, boolean[] censored, int hidden, int pairsPerRow,
                                double rate, double l2, Random random) {
        int n = rows.length;
        int d = z[0].length;
        double[][] w1 = new double[hidden][d];
        double[] b1 = new double[hidden];
        double[] w2 = new double[hidden];
        for (int j = 0; j < hidden; j++) {
            for (int k = 0; k < d; k++) {
                w1[j][k] = random.nextGaussian() * Math.sqrt(2.0 / d);
            }
            w2[j] = random.nextGaussian() * Math.sqrt(1.0 / hidden);
        }
        double[] aLonger = new double[hidden];
        double[] aShorter = new double[hidden];
        long steps = (long) pairsPerRow * n;
        for (long step = 0; step < steps; step++) {
            int a = rows[random.nextInt(n)];
            int b = rows[random.nextInt(n)];
            if (lengths[a] == lengths[b]) {
                continue;
            }
            int longer = lengths[a] > lengths[b] ? a : b;
            int shorter = longer == a ? b : a;
            if (censored[shorter]) {
                continue; // its true length may exceed the other's: order unknown
            }
            double margin = forward(w1, b1, w2, z[longer], aLonger) - forward(w1, b1, w2, z[shorter], aShorter);
            double factor = -1.0 / (1.0 + Math.exp(margin)); // d loss / d margin
            double eta = rate / Math.sqrt(1.0 + (double) step / n);
            double[] zl = z[longer];
            double[] zs = z[shorter];
            for (int j = 0; j < hidden; j++) {
                double hl = Math.max(aLonger[j], 0);
                double hs = Math.max(aShorter[j], 0);
                double gl = aLonger[j] > 0 ? factor * w2[j] : 0;   // d loss / d a_longer[j]
                double gs = aShorter[j] > 0 ? -factor * w2[j] : 0; // d loss / d a_shorter[j]
                w2[j] -= eta * (factor * (hl - hs) + l2 * w2[j]);
                if (gl != 0 || gs != 0) {
                    double[] row = w1[j];
                    for (int k = 0; k < d; k++) {
                        row[k] -= eta * (gl * zl[k] + gs * zs[k] + l2 * row[k]);
                    }
                    b1[j] -= eta * (gl + gs);
                }
            }
        }
        return new Scorer(w1, b1, w2);
    }

    /** The raw score w2 . relu(W1 z + b1); leaves the pre-activations in {@code a}. */
    private static double forward(double[][] w1, double[] b1, double[] w2, double[] z, double[] a) {
        double s = 0;
        for (int j = 0; j < w2.length; j++) {
            double[] row = w1[j];
            double sum = b1[j];
            for (int k = 0; k < z.length; k++) {
                sum += row[k] * z[k];
            }
            a[j] = sum;
            if (sum > 0) {
                s += sum * w2[j];
            }
        }
        return s;
    }
}
