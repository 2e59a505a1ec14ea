package io.scorpio.gpusim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Measured time of the non-attention (linear, norm, activation) part of one forward pass versus the number of
 * tokens in the batch, interpolated linearly between measured points.
 *
 * <p>The table is kept as measured, bumps included (GEMM tile quantisation makes the time jump at 136, 264, ...
 * tokens): those steps are exactly what makes the real GPU non-linear in the batch size.
 *
 * @param tokens measured token counts, strictly increasing, the first at least 1
 * @param ms     time of one forward pass over all layers at each token count
 */
public record LinearTimeTable(int[] tokens, double[] ms) {

    public LinearTimeTable {
        if (tokens.length < 2 || tokens.length != ms.length) {
            throw new IllegalArgumentException("need at least two (tokens, ms) points of equal count");
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 1 || (i > 0 && tokens[i] <= tokens[i - 1])) {
                throw new IllegalArgumentException("token counts must be >= 1 and strictly increasing at row " + i);
            }
            if (!(ms[i] > 0) || !Double.isFinite(ms[i])) {
                throw new IllegalArgumentException("times must be finite and positive at row " + i);
            }
        }
        tokens = tokens.clone();
        ms = ms.clone();
    }

    /** Reads a two-column CSV with a header: {@code num_tokens,<ms>}; rows in any order. */
    public static LinearTimeTable readCsv(Path csv) {
        try {
            List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
            // Vidur measures two grids that meet at the powers of two (2,048 ... 32,768 appear twice): a repeated
            // token count is one point whose time is the mean of its measurements.
            java.util.TreeMap<Integer, double[]> byTokens = new java.util.TreeMap<>();
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",");
                double[] acc = byTokens.computeIfAbsent(Integer.parseInt(f[0].trim()), k -> new double[2]);
                acc[0] += Double.parseDouble(f[1].trim());
                acc[1] += 1;
            }
            int[] t = new int[byTokens.size()];
            double[] m = new double[byTokens.size()];
            int n = 0;
            for (var e : byTokens.entrySet()) {
                t[n] = e.getKey();
                m[n] = e.getValue()[0] / e.getValue()[1];
                n++;
            }
            return new LinearTimeTable(t, m);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read linear-time profile " + csv, e);
        }
    }

    /**
     * Time of one forward pass over {@code n} tokens. Zero tokens cost nothing; below the first measured point the
     * first point's time applies (a forward pass over one token is already weight-read bound); above the last point
     * the last segment is extended (time is linear in tokens once compute bound).
     */
    public double msAt(int n) {
        if (n <= 0) {
            return 0.0;
        }
        int last = tokens.length - 1;
        if (n <= tokens[0]) {
            return ms[0];
        }
        if (n >= tokens[last]) {
            double slope = (ms[last] - ms[last - 1]) / (tokens[last] - tokens[last - 1]);
            return ms[last] + slope * (n - tokens[last]);
        }
        int i = Arrays.binarySearch(tokens, n);
        if (i >= 0) {
            return ms[i];
        }
        int hi = -i - 1;
        int lo = hi - 1;
        double f = (double) (n - tokens[lo]) / (tokens[hi] - tokens[lo]);
        return ms[lo] + f * (ms[hi] - ms[lo]);
    }

    public int size() {
        return tokens.length;
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public double[] ms() {
        return ms.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LinearTimeTable other && Arrays.equals(tokens, other.tokens) && Arrays.equals(ms, other.ms);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + Arrays.hashCode(ms);
    }

    @Override
    public String toString() {
        return "LinearTimeTable[" + tokens.length + " points, " + tokens[0] + ".." + tokens[tokens.length - 1]
                + " tokens]";
    }
}
