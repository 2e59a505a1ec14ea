package io.scorpio.live;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One series of a Prometheus histogram, read from a node's {@code /metrics} (the text exposition format): its
 * labels (without {@code le}), its cumulative bucket counts, its count and its sum. Series can be added (the same
 * series on several nodes) and subtracted (after minus before a run), and give a mean and approximate quantiles.
 *
 * @param labels  the series' labels, {@code le} left out
 * @param buckets upper bound to cumulative count; the {@code +Inf} bucket has key {@link Double#POSITIVE_INFINITY}
 * @param count   {@code _count}
 * @param sum     {@code _sum}
 */
public record PromHistogram(Map<String, String> labels, TreeMap<Double, Double> buckets, double count, double sum) {

    public PromHistogram {
        labels = Map.copyOf(labels);
        buckets = new TreeMap<>(buckets);
    }

    /** Every series of histogram {@code name} (e.g. {@code scorpio_placement_latency_seconds}) in {@code text}. */
    public static List<PromHistogram> parse(String text, String name) {
        Map<Map<String, String>, TreeMap<Double, Double>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        Map<Map<String, String>, Double> sums = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            Sample s = Sample.parse(line);
            if (s == null) {
                continue;
            }
            if (s.metric.equals(name + "_bucket")) {
                Map<String, String> key = new LinkedHashMap<>(s.labels);
                String le = key.remove("le");
                if (le != null) {
                    buckets.computeIfAbsent(Map.copyOf(key), k -> new TreeMap<>()).put(parseValue(le), s.value);
                }
            } else if (s.metric.equals(name + "_count")) {
                counts.put(Map.copyOf(s.labels), s.value);
            } else if (s.metric.equals(name + "_sum")) {
                sums.put(Map.copyOf(s.labels), s.value);
            }
        }
        List<PromHistogram> out = new ArrayList<>();
        for (var e : buckets.entrySet()) {
            out.add(new PromHistogram(e.getKey(), e.getValue(), counts.getOrDefault(e.getKey(), 0.0),
                    sums.getOrDefault(e.getKey(), 0.0)));
        }
        return out;
    }

    /** The sum of every sample of plain metric {@code metric} (e.g. a counter's {@code _total} over its labels). */
    public static double sumOf(String text, String metric) {
        double sum = 0;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith(metric) && !line.startsWith("#")) {
                Sample s = Sample.parse(line);
                if (s != null && s.metric.equals(metric) && Double.isFinite(s.value)) {
                    sum += s.value;
                }
            }
        }
        return sum;
    }

    /** Adds up the series with equal labels (the same series scraped from several nodes). */
    public static Map<Map<String, String>, PromHistogram> sumByLabels(Collection<PromHistogram> series) {
        Map<Map<String, String>, PromHistogram> out = new LinkedHashMap<>();
        for (PromHistogram h : series) {
            out.merge(h.labels(), h, PromHistogram::plus);
        }
        return out;
    }

    /** This series plus another with the same labels and bucket bounds. */
    public PromHistogram plus(PromHistogram other) {
        return combine(other, 1);
    }

    /** This series minus an earlier scrape of the same series: what was recorded in between. */
    public PromHistogram minus(PromHistogram earlier) {
        return combine(earlier, -1);
    }

    private PromHistogram combine(PromHistogram other, int sign) {
        if (!labels.equals(other.labels) || !buckets.keySet().equals(other.buckets.keySet())) {
            throw new IllegalArgumentException("different series or bucket bounds: " + labels + " " + buckets.keySet()
                    + " and " + other.labels + " " + other.buckets.keySet());
        }
        TreeMap<Double, Double> b = new TreeMap<>();
        buckets.forEach((le, c) -> b.put(le, c + sign * other.buckets.get(le)));
        return new PromHistogram(labels, b, count + sign * other.count, sum + sign * other.sum);
    }

    /** The mean observation ({@code sum / count}); NaN when empty. Exact, unlike the quantiles. */
    public double mean() {
        return count > 0 ? sum / count : Double.NaN;
    }

    /**
     * The q-quantile estimated as Prometheus's {@code histogram_quantile} does: find the bucket holding rank
     * {@code q * count} and interpolate linearly inside it (from 0 for the first bucket). Only as good as the
     * buckets are fine. A rank in the {@code +Inf} bucket gives the highest finite bound; NaN when empty.
     */
    public double quantile(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in [0, 1], got " + q);
        }
        double total = buckets.isEmpty() ? 0 : buckets.lastEntry().getValue();
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (var e : buckets.entrySet()) {
            double upper = e.getKey();
            double cumulative = e.getValue();
            if (cumulative >= rank) {
                if (Double.isInfinite(upper)) {
                    return lowerBound;
                }
                double inBucket = cumulative - lowerCount;
                return inBucket <= 0 ? upper : lowerBound + (upper - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = upper;
            lowerCount = cumulative;
        }
        return lowerBound;
    }

    static double parseValue(String v) {
        return switch (v) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(v);
        };
    }

    /** One sample line: {@code metric{label="value",...} value [timestamp]}. */
    private record Sample(String metric, Map<String, String> labels, double value) {

        static Sample parse(String line) {
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            Map<String, String> labels = new LinkedHashMap<>();
            String metric;
            int rest;
            if (brace >= 0 && (space < 0 || brace < space)) {
                metric = line.substring(0, brace);
                rest = parseLabels(line, brace + 1, labels);
                if (rest < 0) {
                    return null;
                }
            } else {
                if (space < 0) {
                    return null;
                }
                metric = line.substring(0, space);
                rest = space;
            }
            String[] tail = line.substring(rest).strip().split("\\s+");
            if (tail.length == 0 || tail[0].isEmpty()) {
                return null;
            }
            return new Sample(metric, labels, parseValue(tail[0]));
        }

        /** Reads {@code name="value"} pairs up to the closing brace; returns the index after it, or -1. */
        private static int parseLabels(String line, int i, Map<String, String> into) {
            while (i < line.length()) {
                char c = line.charAt(i);
                if (c == '}') {
                    return i + 1;
                }
                if (c == ',' || c == ' ') {
                    i++;
                    continue;
                }
                int eq = line.indexOf('=', i);
                if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    return -1;
                }
                String name = line.substring(i, eq).strip();
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                // Label values escape backslash, double quote and newline.
                while (j < line.length() && line.charAt(j) != '"') {
                    char v = line.charAt(j);
                    if (v == '\\' && j + 1 < line.length()) {
                        char n = line.charAt(++j);
                        value.append(n == 'n' ? '\n' : n);
                    } else {
                        value.append(v);
                    }
                    j++;
                }
                if (j >= line.length()) {
                    return -1;
                }
                into.put(name, value.toString());
                i = j + 1;
            }
            return -1;
        }
    }
}
