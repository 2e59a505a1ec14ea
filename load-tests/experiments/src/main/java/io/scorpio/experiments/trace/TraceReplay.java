package io.scorpio.experiments.trace;

import io.scorpio.experiments.workload.WorkloadGenerator;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.Slo;
import io.scorpio.model.SloClass;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/**
 * Turns a read trace into the requests of a run, in this order: the time window, the length filter, the cap on
 * requests, then the arrival times (the trace's own, sped up, or Poisson at a rate) and the SLOs (the row's own
 * class or targets, else one drawn from the mix). Deterministic for a seed.
 *
 * <p>The seed is split as {@link WorkloadGenerator} splits it: the first stream draws SLO classes, the second the
 * Poisson gaps. One class is drawn for every kept row, even one that brings its own SLO, so that one row's SLO
 * never shifts the classes drawn for the others.
 */
public final class TraceReplay {

    /** Name of the SLO class of a request whose row gives explicit TTFT/TPOT targets. */
    public static final String CUSTOM_CLASS = "custom";

    /**
     * The requests and what became of the trace's rows.
     *
     * @param read          rows in the file
     * @param inWindow      rows whose arrival falls in the time window
     * @param filteredOut   rows of the window the length filter dropped
     * @param requests      the requests, in arrival order, ids 0..n-1
     * @param spanSeconds   how long the requests' arrivals span in the run, s: the window's length after the
     *                      speed-up, or to the last arrival when the window is open-ended or arrivals are Poisson
     */
    public record Selection(int read, int inWindow, int filteredOut, List<WorkloadRequest> requests,
                            double spanSeconds) {
        public double offeredQps() {
            double last = requests.isEmpty() ? 0 : requests.get(requests.size() - 1).arrivalMs();
            double span = last > 0 ? last / 1000 : spanSeconds;
            return span > 0 ? requests.size() / span : 0;
        }
    }

    private TraceReplay() {
    }

    public static Selection select(TraceReader.Trace trace, TraceOptions o, long seed) {
        return select(trace, o, seed, WorkloadGenerator.DEFAULT_MAX_TOKENS);
    }

    /** @param maxTokens max_tokens given to each request (raised to its output where that is longer) */
    public static Selection select(TraceReader.Trace trace, TraceOptions o, long seed, int maxTokens) {
        boolean windowed = o.fromMinutes() > 0 || Double.isFinite(o.minutes());
        if (!trace.hasArrivals() && (windowed || o.speed() != 1)) {
            throw new TraceException(trace.file() + ": the trace has no arrival times, so --from, --minutes and "
                    + "--speed do not apply; give --qps");
        }
        if (!trace.hasArrivals() && !(o.qps() > 0)) {
            throw new TraceException(trace.file() + ": the trace has no arrival-time column (columns found: "
                    + trace.columns() + "); give --qps for Poisson arrivals, or name it with --columns arrival=NAME");
        }
        double fromMs = o.fromMinutes() * 60_000.0;
        double cutMs = fromMs + o.minutes() * 60_000.0; // infinite when the window is open-ended
        List<TraceRow> window = new ArrayList<>();
        for (TraceRow r : trace.rows()) {
            if (!trace.hasArrivals() || r.arrivalMs() >= fromMs && r.arrivalMs() < cutMs) {
                window.add(r);
            }
        }
        List<TraceRow> kept = new ArrayList<>();
        for (TraceRow r : window) {
            if (kept.size() < o.maxRequests() && o.filter().accepts(r.promptTokens(), r.outputTokens())) {
                kept.add(r);
            }
        }
        int filteredOut = (int) window.stream()
                .filter(r -> !o.filter().accepts(r.promptTokens(), r.outputTokens())).count();
        if (kept.isEmpty()) {
            throw new TraceException(trace.file() + ": no usable rows: " + trace.rows().size() + " read, "
                    + window.size() + " in the time window" + (window.isEmpty() ? ""
                    : ", all refused by the length filter " + describe(o.filter())));
        }

        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom classes = root.split();
        SplittableRandom gaps = root.split();
        List<WorkloadRequest> out = new ArrayList<>(kept.size());
        double poissonMs = 0;
        for (TraceRow r : kept) {
            SloClass drawn = o.sloMix().draw(classes);
            double arrival;
            if (o.qps() > 0) {
                poissonMs += -(1000.0 / o.qps()) * Math.log(1.0 - gaps.nextDouble()); // 1 - u in (0, 1]
                arrival = poissonMs;
            } else {
                // The window's start becomes time 0; with speed 1 and no --from this is the trace's own time.
                arrival = (r.arrivalMs() - fromMs) / o.speed();
            }
            Slo slo;
            String className;
            if (r.slo() != null) {
                slo = r.slo();
                className = r.sloClass() != null ? r.sloClass() : CUSTOM_CLASS;
            } else if (r.sloClass() != null) {
                SloClass c = o.sloMix().named(r.sloClass());
                if (c == null) {
                    throw new TraceException(trace.file() + ":" + r.line() + ": unknown SLO class '" + r.sloClass()
                            + "'; Table 1's classes are " + o.sloMix().classes().stream().map(SloClass::name).toList()
                            + " (or give ttft and tpot targets)");
                }
                slo = c.slo();
                className = c.name();
            } else {
                slo = drawn.slo();
                className = drawn.name();
            }
            out.add(new WorkloadRequest(out.size(), arrival, r.promptTokens(), r.outputTokens(),
                    Math.max(maxTokens, r.outputTokens()), slo, className, r.promptText(), OptionalInt.empty()));
        }
        double span = Double.isFinite(o.minutes()) && !(o.qps() > 0) ? o.minutes() * 60 / o.speed()
                : out.get(out.size() - 1).arrivalMs() / 1000;
        return new Selection(trace.rows().size(), window.size(), filteredOut, List.copyOf(out), span);
    }

    static String describe(io.scorpio.experiments.workload.LengthFilter f) {
        StringBuilder sb = new StringBuilder("(prompt >= " + f.minPrompt() + ", output >= " + f.minOutput());
        if (f.maxPrompt() < Integer.MAX_VALUE) {
            sb.append(", prompt <= ").append(f.maxPrompt());
        }
        if (f.maxTotal() < Integer.MAX_VALUE) {
            sb.append(", prompt + output <= ").append(f.maxTotal());
        }
        return sb.append(')').toString();
    }
}
