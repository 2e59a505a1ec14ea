package io.scorpio.experiments.metrics;

import io.scorpio.model.RequestOutcome;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The spec section 1 summary of one run.
 *
 * <p>Run duration is from the first arrival to the last request's end (its last token, rejection, abort or
 * failure), so that goodput counts the time the service was actually busy with the workload: neither the idle time
 * before the first request nor anything after the last one. Goodput = compliant / duration (req/s); adherence =
 * compliant / submitted, so rejections, aborts and failures all count against it.
 *
 * @param all      counts over every request
 * @param perClass the same counts per SLO class, ordered by class name
 * @param durationMs run duration as defined above
 * @param ttft     TTFT percentiles over completed requests, ms
 * @param tpot     TPOT percentiles over completed requests, ms
 */
public record RunSummary(Counts all, Map<String, Counts> perClass, double durationMs, Percentiles ttft,
        Percentiles tpot) {

    /** Counts over a set of requests. A completed request may violate both TTFT and TPOT and is counted in both. */
    public record Counts(int submitted, int completed, int compliant, int rejected, int aborted, int failed,
            int ttftViolations, int tpotViolations) {

        static Counts of(List<RequestResult> rs) {
            return new Counts(rs.size(), count(rs, RequestResult::completed), count(rs, RequestResult::compliant),
                    count(rs, r -> r.outcome() == RequestOutcome.REJECTED),
                    count(rs, r -> r.outcome() == RequestOutcome.ABORTED),
                    count(rs, r -> r.outcome() == RequestOutcome.FAILED),
                    count(rs, RequestResult::ttftViolated), count(rs, RequestResult::tpotViolated));
        }

        /** compliant / submitted; 0 for no requests. */
        public double adherence() {
            return submitted == 0 ? 0.0 : (double) compliant / submitted;
        }

        private static int count(List<RequestResult> rs, Predicate<RequestResult> p) {
            return (int) rs.stream().filter(p).count();
        }
    }

    /** Mean and percentiles (nearest rank); NaN when empty. */
    public record Percentiles(double mean, double p50, double p90, double p99, double max) {
        static Percentiles of(double[] v) {
            if (v.length == 0) {
                return new Percentiles(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            double[] s = v.clone();
            Arrays.sort(s);
            return new Percentiles(Arrays.stream(s).average().orElse(Double.NaN), rank(s, 0.50), rank(s, 0.90),
                    rank(s, 0.99), s[s.length - 1]);
        }

        private static double rank(double[] sorted, double q) {
            int i = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }
    }

    public static RunSummary of(List<RequestResult> results) {
        double first = results.stream().mapToDouble(RequestResult::arrivalMs).min().orElse(0);
        double last = results.stream().mapToDouble(RequestResult::endMs).max().orElse(0);
        Map<String, Counts> perClass = results.stream()
                .collect(Collectors.groupingBy(RequestResult::sloClass, TreeMap::new, Collectors.toList()))
                .entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> Counts.of(e.getValue()), (a, b) -> a,
                        TreeMap::new));
        double[] ttfts = results.stream().filter(RequestResult::completed).mapToDouble(RequestResult::ttftMs).toArray();
        double[] tpots = results.stream().filter(RequestResult::completed).mapToDouble(RequestResult::tpotMs).toArray();
        return new RunSummary(Counts.of(results), Collections.unmodifiableMap(perClass), last - first,
                Percentiles.of(ttfts), Percentiles.of(tpots));
    }

    /** Compliant requests per second of run duration; 0 for an empty or instantaneous run. */
    public double goodput() {
        return goodput(all);
    }

    /** Goodput of one class's requests over the whole run's duration. */
    public double goodput(Counts counts) {
        return durationMs <= 0 ? 0.0 : counts.compliant() / (durationMs / 1000.0);
    }

    public double adherence() {
        return all.adherence();
    }
}
