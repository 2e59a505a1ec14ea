package io.scorpio.predictor.training;

import io.scorpio.predictor.binning.LengthBinning;

import java.util.Arrays;

/** Two simple predictors that show what the model is worth: the training median, and a fit on prompt length alone. */
public final class Baselines {

    private Baselines() {
    }

    /** Always the bin of the training median length. */
    public static int[] median(int[] trainLengths, int rows, LengthBinning binning) {
        int[] sorted = trainLengths.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        int[] bins = new int[rows];
        Arrays.fill(bins, binning.binOf((int) Math.round(median)));
        return bins;
    }

    /**
     * Least squares of the output length on log(1 + prompt tokens), fitted on the training split; the predicted bin is
     * the bin of the fitted length.
     */
    public record PromptLengthFit(double intercept, double slope) {

        public static PromptLengthFit fit(int[] promptTokens, int[] outputLengths) {
            int n = promptTokens.length;
            double mx = 0;
            double my = 0;
            for (int i = 0; i < n; i++) {
                mx += Math.log1p(promptTokens[i]);
                my += outputLengths[i];
            }
            mx /= n;
            my /= n;
            double sxy = 0;
            double sxx = 0;
            for (int i = 0; i < n; i++) {
                double dx = Math.log1p(promptTokens[i]) - mx;
                sxy += dx * (outputLengths[i] - my);
                sxx += dx * dx;
            }
            double slope = sxx == 0 ? 0 : sxy / sxx;
            return new PromptLengthFit(my - slope * mx, slope);
        }

        public int predictLength(int promptTokens) {
            return (int) Math.round(intercept + slope * Math.log1p(promptTokens));
        }

        public int[] predictBins(int[] promptTokens, LengthBinning binning) {
            return Arrays.stream(promptTokens).map(p -> binning.binOf(predictLength(p))).toArray();
        }
    }
}
