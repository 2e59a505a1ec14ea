package io.scorpio.predictor.binning;

/**
 * How output lengths map to the classifier's bins and back (the Scorpio paper, arXiv 2505.23022: its output-length predictor).
 * Lengths are in tokens over [0, {@link #MAX_LENGTH}); longer lengths fall in the last bin.
 */
public sealed interface LengthBinning permits EqualWidthBinning, EqualFrequencyBinning {

    /** The upper end of the binned range, 8,192 tokens, as in the paper. */
    int MAX_LENGTH = 8192;

    /** Number of bins N. */
    int bins();

    /** The bin a true length falls in, in [0, bins()). Negative lengths count as 0. */
    int binOf(int length);

    /** The length the predictor reports for a bin: the bin's midpoint. */
    int predictedLength(int bin);

    /** "equal-width" or "equal-frequency", as written in a model card. */
    String kind();

    default void checkBin(int bin) {
        if (bin < 0 || bin >= bins()) {
            throw new IllegalArgumentException("bin " + bin + " outside [0, " + bins() + ")");
        }
    }

    /** Clamps a length into [0, MAX_LENGTH - 1]. */
    static int clamp(int length) {
        return Math.max(0, Math.min(MAX_LENGTH - 1, length));
    }
}
