package io.scorpio.experiments.runner;

import io.scorpio.core.policy.Policy;
import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.Charts;
import io.scorpio.experiments.report.ProgressBar;
import io.scorpio.experiments.report.ResultTable;
import io.scorpio.experiments.trace.TraceException;
import io.scorpio.experiments.trace.TraceOptions;
import io.scorpio.experiments.trace.TraceReader;
import io.scorpio.experiments.trace.TraceReplay;
import io.scorpio.experiments.workload.PredictionSource;
import io.scorpio.experiments.workload.WorkloadRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code replay FILE}: a user's trace replayed in virtual time under each policy, with a report per policy for the
 * whole trace and per time window (so that bursts show), as Markdown, CSV, JSON and PNG.
 */
public final class TraceExperiment {

    public static final String USAGE = """
            replay FILE [options]      replay a request trace (CSV or JSON Lines) under each policy
              --policies a,b             policies to run (default: the seven of the paper)
              --window-s S               report window in seconds (default 60)
              --predictions noisy|oracle|none   predicted lengths (default noisy: the paper's predictor quality)
            """ + TraceOptions.USAGE;

    private static final Set<String> OWN = Set.of("policies", "window-s", "predictions");

    /** The parsed command line of {@code replay}. */
    public record Command(Path file, TraceOptions trace, List<Policy> policies, double windowSeconds,
                          String predictions) {
    }

    private TraceExperiment() {
    }

    /** Parses {@code FILE --name value ...} ({@code --name=value} too); unknown options are an error. */
    public static Command parse(List<String> args) {
        Map<String, String> o = new LinkedHashMap<>();
        Path file = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                if (file != null) {
                    throw new TraceException("replay takes one trace file; found '" + file + "' and '" + a + "'");
                }
                file = Path.of(a);
                continue;
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new TraceException("--" + name + " needs a value\n" + USAGE);
            }
            if (!OWN.contains(name) && !TraceOptions.NAMES.contains(name)) {
                throw new TraceException("replay: unknown option --" + name + "\n" + USAGE);
            }
            o.put(name, value);
        }
        if (file == null) {
            throw new TraceException("replay needs a trace file\n" + USAGE);
        }
        List<Policy> policies = o.containsKey("policies")
                ? java.util.Arrays.stream(o.get("policies").split(",")).map(String::trim).filter(s -> !s.isEmpty())
                        .map(TraceExperiment::policy).toList()
                : Policy.ALL;
        policies = distinct(policies);
        double window = Double.parseDouble(o.getOrDefault("window-s", "60"));
        if (!(window > 0)) {
            throw new TraceException("--window-s must be > 0");
        }
        String predictions = o.getOrDefault("predictions", "noisy").toLowerCase(Locale.ROOT);
        if (!Set.of("noisy", "oracle", "none").contains(predictions)) {
            throw new TraceException("--predictions: expected noisy, oracle or none, found '" + predictions + "'");
        }
        return new Command(file, TraceOptions.parse(o), policies, window, predictions);
    }

    /** A policy by name; an unknown name is the user's to fix, said without a stack trace. */
    private static Policy policy(String name) {
        try {
            return Policy.named(name);
        } catch (IllegalArgumentException e) {
            throw new TraceException("--policies: " + e.getMessage());
        }
    }

    /**
     * Runs the command and writes its report under {@code outRoot/replay/<file name>/}.
     *
     * @param setups the simulation setup of each policy (the experiments' fitted models, GPU and seed)
     */
    public static Path run(Command c, Path outRoot, long seed, Function<Policy, Simulation.Setup> setups)
            throws IOException {
        TraceReader.Trace trace = TraceReader.read(c.file(), c.trace().columns(), c.trace().timeUnit());
        TraceReplay.Selection sel = TraceReplay.select(trace, c.trace(), seed);
        PredictionSource predictions = switch (c.predictions()) {
            case "oracle" -> PredictionSource.oracle();
            case "none" -> PredictionSource.none();
            default -> PredictionSource.paperNoisy(seed);
        };
        List<WorkloadRequest> wl = predictions.apply(sel.requests());
        String stem = c.file().getFileName().toString().replaceAll("\\.[A-Za-z]+$", "");
        Path dir = outRoot.resolve("replay").resolve(stem);

        ResultTable selection = new ResultTable(List.of("item", "value"));
        selection.add("file", c.file().toString());
        selection.add("columns", trace.columns().toString());
        selection.add("rows read", sel.read());
        selection.add("rows in the time window", sel.inWindow());
        selection.add("rows refused by the length filter", sel.filteredOut());
        selection.add("requests replayed", wl.size());
        selection.add("offered load (req/s)", sel.offeredQps());
        selection.add("arrivals", c.trace().qps() > 0 ? "Poisson at " + c.trace().qps() + " req/s"
                : "the trace's own, speed x" + c.trace().speed());
        selection.add("predicted lengths", predictions.name());
        selection.add("seed", seed);

        ResultTable summary = new ResultTable(List.of("policy", "requests", "goodput", "adherence", "ttft_p50_ms",
                "ttft_p90_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p90_ms", "tpot_p99_ms", "ttft_violations",
                "tpot_violations", "rejections"));
        ResultTable windows = new ResultTable(List.of("policy", "window_start_s", "arrivals", "offered_qps",
                "compliant", "goodput", "adherence", "ttft_p99_ms", "tpot_p99_ms", "rejections"));
        List<Charts.Series> goodputCurves = new ArrayList<>();
        List<Charts.Series> adherenceCurves = new ArrayList<>();
        List<Charts.Series> ttftCurves = new ArrayList<>();
        double windowMs = c.windowSeconds() * 1000;
        ProgressBar bar = new ProgressBar("replay " + stem, c.policies().size());
        boolean offeredDrawn = false;
        for (Policy p : c.policies()) {
            Simulation.Setup setup = setups.apply(p);
            List<RequestResult> results = Simulation.run(wl, setup).results();
            RunSummary s = RunSummary.of(results);
            summary.add(p.name(), wl.size(), s.goodput(), s.adherence(), s.ttft().p50(), s.ttft().p90(),
                    s.ttft().p99(), s.tpot().p50(), s.tpot().p90(), s.tpot().p99(), s.all().ttftViolations(),
                    s.all().tpotViolations(), s.all().rejected());
            // Requests belong to the window of their arrival; goodput per window is its compliant requests per second.
            Map<Integer, List<RequestResult>> byWindow = new java.util.TreeMap<>();
            for (RequestResult r : results) {
                byWindow.computeIfAbsent((int) Math.floor(r.arrivalMs() / windowMs), k -> new ArrayList<>()).add(r);
            }
            List<Double> xs = new ArrayList<>();
            List<Double> offered = new ArrayList<>();
            List<Double> goodput = new ArrayList<>();
            List<Double> adherence = new ArrayList<>();
            List<Double> ttftX = new ArrayList<>();
            List<Double> ttftP99 = new ArrayList<>();
            for (Map.Entry<Integer, List<RequestResult>> e : byWindow.entrySet()) {
                RunSummary w = RunSummary.of(e.getValue());
                double start = e.getKey() * c.windowSeconds();
                // The last window is only as long as the part of the run's arrivals it covers.
                double length = Math.min(c.windowSeconds(), sel.spanSeconds() - start);
                length = length > 0 ? length : c.windowSeconds();
                double gp = w.all().compliant() / length;
                windows.add(p.name(), start, w.all().submitted(), w.all().submitted() / length,
                        w.all().compliant(), gp, w.adherence(), w.ttft().p99(), w.tpot().p99(), w.all().rejected());
                xs.add(start / 60);
                offered.add(w.all().submitted() / length);
                goodput.add(gp);
                adherence.add(w.adherence());
                if (!Double.isNaN(w.ttft().p99())) {
                    ttftX.add(start / 60);
                    ttftP99.add(w.ttft().p99());
                }
            }
            if (!offeredDrawn) {
                goodputCurves.add(new Charts.Series("offered load", xs, offered));
                offeredDrawn = true;
            }
            goodputCurves.add(new Charts.Series(p.name(), xs, goodput));
            adherenceCurves.add(new Charts.Series(p.name(), xs, adherence));
            ttftCurves.add(new Charts.Series(p.name(), ttftX, ttftP99));
            bar.step(p.name());
        }
        selection.writeAll(dir, "selection");
        summary.writeAll(dir, "summary");
        windows.writeAll(dir, "windows");
        String per = String.format(Locale.ROOT, "per %.0f s window", c.windowSeconds());
        Charts.linePng(dir.resolve("goodput-per-window.png"), "Goodput " + per + ", " + stem,
                "window start (min)", "req/s", goodputCurves);
        Charts.linePng(dir.resolve("adherence-per-window.png"), "SLO adherence " + per + ", " + stem,
                "window start (min)", "adherence", adherenceCurves);
        Charts.linePng(dir.resolve("ttft-p99-per-window.png"), "p99 TTFT " + per + ", " + stem,
                "window start (min)", "ms", ttftCurves);
        String report = "# Replay of " + c.file() + "\n\n" + selection.toMarkdown()
                + "\n## Whole trace\n\nGoodput: SLO-met requests per second of run; adherence: SLO-met over "
                + "submitted (rejections count as misses); TTFT and TPOT percentiles over completed requests.\n\n"
                + summary.toMarkdown()
                + "\n## Per window\n\n![goodput](goodput-per-window.png)\n![adherence](adherence-per-window.png)\n"
                + "![p99 TTFT](ttft-p99-per-window.png)\n\n" + windows.toMarkdown();
        Files.writeString(dir.resolve("report.md"), report);
        System.out.println(summary.toMarkdown());
        System.out.println("report: " + dir.resolve("report.md").toAbsolutePath());
        return dir;
    }

    /** Policies named twice are run once. */
    static List<Policy> distinct(List<Policy> ps) {
        Set<String> seen = new HashSet<>();
        return ps.stream().filter(p -> seen.add(p.name())).toList();
    }
}
