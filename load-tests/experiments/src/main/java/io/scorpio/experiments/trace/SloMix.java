package io.scorpio.experiments.trace;

import io.scorpio.model.SloClass;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How SLO classes are drawn for rows that bring none: weights over the paper's Table 1 classes. Uniform draws use
 * {@code nextInt}, as the paper's experiments always have, so that the same seed gives the same classes as before.
 */
public record SloMix(List<SloClass> classes, double[] weights) {

    public SloMix {
        classes = List.copyOf(classes);
        weights = weights == null ? null : weights.clone();
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("an SLO mix needs at least one class");
        }
        if (weights != null) {
            double sum = 0;
            for (double w : weights) {
                if (!(w >= 0) || !Double.isFinite(w)) {
                    throw new TraceException("--slo-mix: weights must be finite and >= 0");
                }
                sum += w;
            }
            if (weights.length != classes.size() || !(sum > 0)) {
                throw new TraceException("--slo-mix: need " + classes.size() + " weights, one per class of Table 1 ("
                        + classes.stream().map(SloClass::name).toList() + "), not all zero");
            }
        }
    }

    /** Every class of Table 1 for Llama-3.1-8B equally likely: the paper's setting. */
    public static SloMix uniform() {
        return new SloMix(SloClass.LLAMA_3_1_8B, null);
    }

    /** {@code uniform}, or comma-separated weights per class in Table 1's order ("1,0,0,1,1,0"). */
    public static SloMix parse(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("uniform")) {
            return uniform();
        }
        List<Double> ws = new ArrayList<>();
        for (String p : spec.split(",")) {
            try {
                ws.add(Double.parseDouble(p.trim()));
            } catch (NumberFormatException e) {
                throw new TraceException("--slo-mix: '" + p.trim() + "' is not a number; expected 'uniform' or "
                        + "six weights, e.g. 1,1,1,2,2,0");
            }
        }
        return new SloMix(SloClass.LLAMA_3_1_8B, ws.stream().mapToDouble(Double::doubleValue).toArray());
    }

    public SloClass draw(SplittableRandom rnd) {
        if (weights == null) {
            return classes.get(rnd.nextInt(classes.size()));
        }
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        double u = rnd.nextDouble() * sum;
        for (int i = 0; i < weights.length; i++) {
            u -= weights[i];
            if (u < 0) {
                return classes.get(i);
            }
        }
        for (int i = weights.length - 1; ; i--) { // rounding left u at 0: the last class with weight
            if (weights[i] > 0) {
                return classes.get(i);
            }
        }
    }

    /** The class named {@code name} in the table, or null. */
    public SloClass named(String name) {
        return classes.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    @Override
    public String toString() {
        return weights == null ? "uniform" : java.util.Arrays.toString(weights);
    }
}
