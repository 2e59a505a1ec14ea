package io.scorpio.predictor.data;

import java.util.Arrays;

/**
 * The training and scoring label of one prompt, built from one or more sampled answer lengths: their median. A
 * sample at or above {@code cap} ran away (hit the generator's cap) and is censored: its true length is only known to
 * be at least the cap. The median stays exact as long as fewer than half of the samples are censored (censored samples
 * rank above every finished one); otherwise the label itself is censored at the cap, and the trainer treats it as a
 * lower bound, never as a class or a value of its own.
 *
 * @param length   the median length in tokens (the cap when censored)
 * @param censored true when the median is only a lower bound
 */
public record LengthLabel(int length, boolean censored) {

    /** The median of the samples, with samples at or above {@code cap} censored. */
    public static LengthLabel medianOf(int[] samples, int cap) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        int[] sorted = samples.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        int lo = sorted[(n - 1) / 2];
        int hi = sorted[n / 2];
        if (hi >= cap) {
            return new LengthLabel(Math.min(lo, cap), true);
        }
        return new LengthLabel((int) Math.round((lo + hi) / 2.0), false);
    }
}
