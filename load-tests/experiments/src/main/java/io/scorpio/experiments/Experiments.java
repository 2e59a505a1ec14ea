package io.scorpio.experiments;

import io.scorpio.core.model.FitAccuracy;
import io.scorpio.core.model.MixedStepModel;
import io.scorpio.core.model.ModelFit;
import io.scorpio.core.cluster.Placement;
import io.scorpio.core.policy.GuardOptions;
import io.scorpio.core.policy.Policy;
import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.Charts;
import io.scorpio.experiments.report.ProgressBar;
import io.scorpio.experiments.report.ResultTable;
import io.scorpio.experiments.runner.Calibration;
import io.scorpio.experiments.runner.FittedModels;
import io.scorpio.experiments.runner.Simulation;
import io.scorpio.experiments.runner.TraceExperiment;
import io.scorpio.experiments.trace.TraceException;
import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.AzureTrace;
import io.scorpio.experiments.workload.NoisyPredictor;
import io.scorpio.experiments.workload.PredictionSource;
import io.scorpio.experiments.workload.WorkloadGenerator;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.model.DataFiles;
import io.scorpio.model.LengthSample;
import io.scorpio.predictor.LengthPredictor;
import io.scorpio.predictor.ModelCatalog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paper's experiments in virtual time, one command each:
 *
 * <pre>
 *   calibrate                 Table 4 (fitted models) and the vllm calibration against the paper
 *   sweep [workload]          QPS 5..15, all seven policies (Figure 4); workload: sharegpt (default),
 *                             arena-hard, azure-conv, azure-code
 *   azure                     replay of the Azure traces' first 20 minutes (Figure 5)
 *   ablation                  QPS 14: vllm, scorpio-tpot-only, scorpio-ttft-only, scorpio (Figure 6)
 *   overhead                  the guard's decision time over engine time (Table 2)
 *   sensitivity               scorpio with oracle, noisy and no predictions
 *   beyond                    scorpio with the options beyond the paper (low-load fallback, best effort)
 *   scale                     1, 2 and 4 engines at proportional load; placement and migration
 *   chunked [workload...]     chunked prefill (issue 15): vllm, vllm-v1 (2,048 and 8,192), sarathi, scorpio and
 *                             scorpio-chunked, QPS 5..15, three seeds, on every workload (or those named)
 *   all                       everything above but chunked
 *   replay FILE [options]     a request trace of your own (CSV or JSON Lines) under each policy, reported as a
 *                             whole and per minute ({@link TraceExperiment#USAGE})
 * </pre>
 *
 * Options: {@code --out DIR} (default docs/results), {@code --seed N} (42), {@code --requests N} (512),
 * {@code --predictor-model DIR} (the ONNX length predictor the sensitivity experiment runs; default the shipped one).
 * Every run is deterministic for a seed. Results go to CSV, JSON, Markdown and PNG under the output folder.
 */
public final class Experiments {

    static final double[] SWEEP_QPS = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

    private final Path out;
    private final long seed;
    private final int requests;
    private final DataFiles data;
    private final GpuProfile gpu;
    private Path predictorModel; // null: the shipped default, found when first needed
    private FittedModels models;
    private ModelFit<MixedStepModel> mixedModel;

    Experiments(Path out, long seed, int requests) {
        this.out = out;
        this.seed = seed;
        this.requests = requests;
        this.data = DataFiles.resolve();
        this.gpu = GpuProfile.loadDefault();
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path out = Path.of("docs/results");
        long seed = 42;
        int requests = WorkloadGenerator.PAPER_REQUESTS;
        Path predictorModel = null;
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--predictor-model" -> predictorModel = Path.of(args[++i]);
                case "-h", "--help" -> {
                    usage();
                    return;
                }
                default -> positional.add(args[i]);
            }
        }
        if (positional.isEmpty()) {
            usage();
            System.exit(2);
        }
        Experiments e = new Experiments(out, seed, requests);
        e.predictorModel = predictorModel;
        String command = positional.get(0);
        switch (command) {
            case "calibrate" -> e.calibrate();
            case "sweep" -> e.sweep(Workloads.named(positional.size() > 1 ? positional.get(1) : "sharegpt"));
            case "azure" -> e.azure();
            case "ablation" -> e.ablation();
            case "overhead" -> e.overhead();
            case "sensitivity" -> e.sensitivity();
            case "beyond" -> e.beyond();
            case "scale" -> e.scale();
            case "replay" -> e.replay(positional.subList(1, positional.size()));
            case "chunked" -> e.chunked(positional.subList(1, positional.size()).stream().map(Workloads::named)
                    .toList());
            case "all" -> {
                e.calibrate();
                for (Workloads w : Workloads.values()) {
                    e.sweep(w);
                }
                e.azure();
                e.ablation();
                e.overhead();
                e.sensitivity();
                e.beyond();
                e.scale();
            }
            default -> {
                System.err.println("unknown command '" + command + "'");
                usage();
                System.exit(2);
            }
        }
    }

    private static void usage() {
        System.err.println("usage: experiments [--out DIR] [--seed N] [--requests N] [--predictor-model DIR] "
                + "calibrate | sweep [sharegpt|arena-hard|azure-conv|azure-code] | azure | ablation | overhead "
                + "| sensitivity | beyond | scale | chunked [workload...] | all | replay FILE [options]");
        System.err.println(TraceExperiment.USAGE);
    }

    private FittedModels models() {
        if (models == null) {
            models = FittedModels.profile(gpu, Workloads.SHAREGPT.pool(data), seed);
        }
        return models;
    }

    private ModelFit<MixedStepModel> mixedModel() {
        if (mixedModel == null) {
            mixedModel = FittedModels.profileMixed(gpu, Workloads.SHAREGPT.pool(data), seed);
        }
        return mixedModel;
    }

    private List<WorkloadRequest> poisson(List<LengthSample> pool, double qps, PredictionSource predictions) {
        return predictions.apply(WorkloadGenerator.paperDefaults().poisson(pool, qps, requests, seed));
    }

    private Simulation.Run run(List<WorkloadRequest> workload, Policy policy) {
        return Simulation.run(workload, models().setup(policy, gpu, seed));
    }

    // ---- calibrate: Table 4 and the vllm baseline against the paper ----

    void calibrate() throws IOException {
        Path dir = out.resolve("calibration");
        List<LengthSample> pool = Workloads.SHAREGPT.pool(data);
        ProgressBar bar = new ProgressBar("calibrate", Calibration.gridSize() + 2);
        List<Calibration.GridPoint> grid = Calibration.search(gpu, pool, () -> bar.step("grid"));
        ResultTable gridTable = new ResultTable(List.of("step_overhead_ms", "decode_attention_efficiency",
                "vllm_goodput_qps5", "vllm_goodput_qps15", "vllm_adherence_qps15", "worst_relative_error"));
        for (Calibration.GridPoint p : grid) {
            gridTable.add(p.parameters().stepOverheadMs(), p.parameters().decodeAttentionEfficiency(), p.goodput5(),
                    p.goodput15(), p.adherence15(), p.worstRelativeError());
        }
        gridTable.writeAll(dir, "grid");

        FittedModels fm = models();
        bar.step("table 4");
        ResultTable table4 = new ResultTable(List.of("model", "coefficients", "samples", "outliers_dropped", "r2",
                "rmse_ms", "mape_percent"));
        FitAccuracy s = fm.step().accuracy();
        var sm = fm.step().model();
        table4.add("step(B,L) = a*B*L + b*B + c*L + d", String.format("a=%.3g b=%.4f c=%.3g d=%.3f", sm.a(), sm.b(),
                sm.c(), sm.d()), s.samples(), fm.step().outliersDropped(), s.r2(), s.rmseMs(), 100 * s.mape());
        FitAccuracy pa = fm.prefill().accuracy();
        var pm = fm.prefill().model();
        table4.add("T_prefill(n)", String.format("theta=%d C=%.3f alpha=%.5f beta=%.3f", pm.theta(), pm.constantMs(),
                pm.alpha(), pm.beta()), pa.samples(), fm.prefill().outliersDropped(), pa.r2(), pa.rmseMs(),
                100 * pa.mape());
        bar.step("mixed-step model");
        ModelFit<MixedStepModel> mixed = mixedModel();
        FitAccuracy ma = mixed.accuracy();
        MixedStepModel mm = mixed.model();
        table4.add("mixed(B,L,n,A) = step(B,L) + e*n + f*A (chunked prefill)", String.format(
                "a=%.3g b=%.4f c=%.3g d=%.3f e=%.5f f=%.3g", mm.a(), mm.b(), mm.c(), mm.d(), mm.e(), mm.f()),
                ma.samples(), mixed.outliersDropped(), ma.r2(), ma.rmseMs(), 100 * ma.mape());
        table4.writeAll(dir, "table4");

        // The current profile's baselines against the paper's numbers, seed-averaged as in the search.
        ResultTable baselines = new ResultTable(List.of("policy", "qps", "metric", "simulated", "paper",
                "relative_error"));
        Map<String, double[]> sims = new LinkedHashMap<>();
        for (Policy p : List.of(Policy.VLLM, Policy.S3, Policy.MOONCAKE)) {
            sims.put(p.name(), Calibration.targetNumbers(sd -> fm.setup(p, gpu, sd), pool, requests));
        }
        double[] v = sims.get("vllm");
        baselines.add("vllm", 5, "goodput", v[0], 4.42, rel(v[0], 4.42));
        baselines.add("vllm", 15, "goodput", v[1], 0.52, rel(v[1], 0.52));
        baselines.add("vllm", 15, "adherence", v[2], 0.076, rel(v[2], 0.076));
        baselines.add("s3", 15, "adherence", sims.get("s3")[2], 0.049, rel(sims.get("s3")[2], 0.049));
        baselines.add("mooncake", 15, "adherence", sims.get("mooncake")[2], 0.107, rel(sims.get("mooncake")[2], 0.107));
        baselines.writeAll(dir, "baselines-vs-paper");
        System.out.println("profile free parameters in use: " + gpu.freeParameters());
        System.out.println(table4.toMarkdown());
        System.out.println(baselines.toMarkdown());
        Calibration.GridPoint best = grid.stream().min(Comparator.comparingDouble(Calibration.GridPoint::worstRelativeError))
                .orElseThrow();
        System.out.println("best grid point: " + best);
    }

    private static double rel(double sim, double paper) {
        return (sim - paper) / paper;
    }

    // ---- replay: a trace of the user's own (issue 19) ----

    /** Options after the file are the trace's ({@link TraceExperiment#parse}); --out, --seed are the experiments'. */
    void replay(List<String> args) throws IOException {
        try {
            TraceExperiment.Command c = TraceExperiment.parse(args);
            TraceExperiment.run(c, out, seed, p -> Policy.CHUNKED.contains(p)
                    ? models().setup(p, gpu, seed).withMixedModel(mixedModel().model()) : models().setup(p, gpu, seed));
        } catch (TraceException e) {
            // A bad trace or option is the user's to fix: the message says where and why; a stack trace would not.
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }

    // ---- chunked: chunked prefill, Scorpio against the vLLM users run today (issue 15) ----

    static final List<Policy> CHUNKED_POLICIES = List.of(Policy.VLLM, Policy.VLLM_V1, Policy.VLLM_V1_8192,
            Policy.SARATHI, Policy.SCORPIO, Policy.SCORPIO_CHUNKED);
    static final int CHUNKED_SEEDS = 3;

    /**
     * Every workload (or those named), QPS 5..15, seeds {@code seed .. seed+2} (each picks the workload, the
     * predictor's noise and the GPU's), the six policies of {@link #CHUNKED_POLICIES}. Writes {@code summary} (one row
     * per run), {@code goodput-mean} (the seed mean), {@code mixed-fit} (the mixed-step model scorpio-chunked uses)
     * and {@code goal} (the two targets, checked on the seed means).
     */
    void chunked(List<Workloads> named) throws IOException {
        List<Workloads> workloads = named.isEmpty() ? List.of(Workloads.values()) : named;
        Path dir = out.resolve("chunked");
        ModelFit<MixedStepModel> mixed = mixedModel();
        ResultTable fit = new ResultTable(List.of("a", "b", "c", "d", "e", "f", "samples", "outliers_dropped", "r2",
                "rmse_ms", "mape_percent"));
        MixedStepModel m = mixed.model();
        fit.add(m.a(), m.b(), m.c(), m.d(), m.e(), m.f(), mixed.accuracy().samples(), mixed.outliersDropped(),
                mixed.accuracy().r2(), mixed.accuracy().rmseMs(), 100 * mixed.accuracy().mape());
        fit.writeAll(dir, "mixed-fit");

        ResultTable summary = new ResultTable(List.of("workload", "qps", "seed", "policy", "goodput", "adherence"));
        ResultTable means = new ResultTable(List.of("workload", "qps", "policy", "goodput", "adherence",
                "ttft_violations", "tpot_violations", "rejections"));
        // workload -> qps -> policy -> mean goodput
        Map<String, Map<Double, Map<String, Double>>> goodput = new LinkedHashMap<>();
        ProgressBar bar = new ProgressBar("chunked",
                workloads.size() * SWEEP_QPS.length * CHUNKED_SEEDS * CHUNKED_POLICIES.size());
        for (Workloads w : workloads) {
            List<LengthSample> pool = w.pool(data);
            for (double qps : SWEEP_QPS) {
                Map<String, double[]> sums = new LinkedHashMap<>();
                for (int k = 0; k < CHUNKED_SEEDS; k++) {
                    long sd = seed + k;
                    List<WorkloadRequest> wl = PredictionSource.paperNoisy(sd)
                            .apply(WorkloadGenerator.paperDefaults().poisson(pool, qps, requests, sd));
                    for (Policy p : CHUNKED_POLICIES) {
                        Simulation.Setup setup = models().setup(p, gpu, sd).withMixedModel(m);
                        RunSummary s = Simulation.run(wl, setup).summary();
                        summary.add(w.label(), qps, sd, p.name(), s.goodput(), s.adherence());
                        double[] acc = sums.computeIfAbsent(p.name(), x -> new double[5]);
                        acc[0] += s.goodput();
                        acc[1] += s.adherence();
                        acc[2] += s.all().ttftViolations();
                        acc[3] += s.all().tpotViolations();
                        acc[4] += s.all().rejected();
                        bar.step(w.label() + " " + p.name() + " @ " + qps);
                    }
                }
                sums.forEach((p, acc) -> {
                    means.add(w.label(), qps, p, acc[0] / CHUNKED_SEEDS, acc[1] / CHUNKED_SEEDS,
                            acc[2] / CHUNKED_SEEDS, acc[3] / CHUNKED_SEEDS, acc[4] / CHUNKED_SEEDS);
                    goodput.computeIfAbsent(w.label(), x -> new LinkedHashMap<>())
                            .computeIfAbsent(qps, x -> new LinkedHashMap<>()).put(p, acc[0] / CHUNKED_SEEDS);
                });
            }
        }
        summary.writeAll(dir, "summary");
        means.writeAll(dir, "goodput-mean");

        // The targets, on seed means: scorpio-chunked >= 3x vllm-v1 at QPS 15 on ShareGPT, and never more
        // than 3% below the best baseline (every policy but the two scorpios).
        ResultTable goal = new ResultTable(List.of("workload", "qps", "scorpio_chunked", "best_baseline",
                "best_baseline_policy", "vllm_v1", "ratio_to_best", "ratio_to_vllm_v1", "within_3_percent"));
        goodput.forEach((w, byQps) -> byQps.forEach((qps, byPolicy) -> {
            String best = null;
            for (Policy p : CHUNKED_POLICIES) {
                if (!p.name().startsWith("scorpio") && (best == null || byPolicy.get(p.name()) > byPolicy.get(best))) {
                    best = p.name();
                }
            }
            double sc = byPolicy.get(Policy.SCORPIO_CHUNKED.name());
            double b = byPolicy.get(best);
            double v1 = byPolicy.get(Policy.VLLM_V1.name());
            goal.add(w, qps, sc, b, best, v1, sc / b, sc / v1, sc >= 0.97 * b);
        }));
        goal.writeAll(dir, "goal");
        System.out.println(goal.toMarkdown());
    }

    // ---- sweep: Figure 4 ----

    void sweep(Workloads workload) throws IOException {
        Path dir = out.resolve("sweep-" + workload.label());
        List<LengthSample> pool = workload.pool(data);
        ResultTable table = new ResultTable(List.of("policy", "qps", "goodput", "adherence", "ttft_violations",
                "tpot_violations", "rejections", "completed", "requests"));
        Map<Policy, List<double[]>> points = new LinkedHashMap<>();
        ProgressBar bar = new ProgressBar("sweep " + workload.label(), SWEEP_QPS.length * Policy.ALL.size());
        for (double qps : SWEEP_QPS) {
            List<WorkloadRequest> wl = poisson(pool, qps, PredictionSource.paperNoisy(seed));
            for (Policy p : Policy.ALL) {
                RunSummary s = run(wl, p).summary();
                table.add(p.name(), qps, s.goodput(), s.adherence(), s.all().ttftViolations(), s.all().tpotViolations(),
                        s.all().rejected(), s.all().completed(), s.all().submitted());
                points.computeIfAbsent(p, k -> new ArrayList<>()).add(new double[] {qps, s.goodput(), s.adherence()});
                bar.step(p.name() + " @ " + qps);
            }
        }
        table.writeAll(dir, "sweep");
        Charts.linePng(dir.resolve("goodput.png"), "Goodput, " + workload.label() + " (" + requests + " requests/point)",
                "QPS", "goodput (req/s)", series(points, 1));
        Charts.linePng(dir.resolve("adherence.png"), "SLO adherence, " + workload.label(), "QPS", "adherence",
                series(points, 2));
    }

    private static List<Charts.Series> series(Map<Policy, List<double[]>> points, int column) {
        List<Charts.Series> out = new ArrayList<>();
        points.forEach((p, rows) -> out.add(new Charts.Series(p.name(), rows.stream().map(r -> r[0]).toList(),
                rows.stream().map(r -> r[column]).toList())));
        return out;
    }

    // ---- azure: Figure 5 ----

    /**
     * Replays the traces' first 20 minutes with their own arrival times (the paper's setting, speed 1), and
     * compressed in time (speed 4 and 8: the same requests arriving 4 and 8 times as fast), because at its
     * own pace the trace keeps one simulated A100 lightly loaded.
     */
    void azure() throws IOException {
        Path dir = out.resolve("azure");
        ResultTable table = new ResultTable(List.of("trace", "speed", "qps", "policy", "requests", "goodput",
                "adherence", "ttft_violations", "tpot_violations", "rejections"));
        double[] speeds = {1, 4, 8};
        ProgressBar bar = new ProgressBar("azure", 2 * speeds.length * Policy.ALL.size());
        for (AzureTrace.Service service : AzureTrace.Service.values()) {
            String name = service == AzureTrace.Service.CODE ? "code" : "conversation";
            List<WorkloadRequest> trace = Workloads.azureReplay(data, service, seed);
            for (double speed : speeds) {
                List<WorkloadRequest> wl = PredictionSource.paperNoisy(seed).apply(trace.stream()
                        .map(w -> new WorkloadRequest(w.id(), w.arrivalMs() / speed, w.promptTokens(), w.outputTokens(),
                                w.maxTokens(), w.slo(), w.sloClass(), w.promptText(), w.predictedOutputTokens()))
                        .toList());
                double qps = wl.size() / (Workloads.AZURE_MINUTES * 60 / speed);
                List<Charts.Series> curves = new ArrayList<>();
                for (Policy p : Policy.ALL) {
                    Simulation.Run r = run(wl, p);
                    RunSummary s = r.summary();
                    table.add(name, speed, qps, p.name(), wl.size(), s.goodput(), s.adherence(),
                            s.all().ttftViolations(), s.all().tpotViolations(), s.all().rejected());
                    curves.add(cumulativeCompliant(p.name(), r.results()));
                    bar.step(name + " x" + speed + " " + p.name());
                }
                Charts.linePng(dir.resolve(String.format("cumulative-%s-x%.0f.png", name, speed)),
                        String.format("Azure %s trace, first 20 min at %.0fx speed (%.1f req/s): SLO-met requests",
                                name, speed, qps), "time (s)", "cumulative SLO-met requests", curves);
            }
        }
        table.writeAll(dir, "azure");
    }

    private static Charts.Series cumulativeCompliant(String name, List<RequestResult> results) {
        List<Double> ends = results.stream().filter(RequestResult::compliant).map(RequestResult::endMs).sorted().toList();
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        // One point every 5% of the curve keeps the PNG light.
        int stride = Math.max(1, ends.size() / 200);
        for (int i = 0; i < ends.size(); i += stride) {
            x.add(ends.get(i) / 1000);
            y.add((double) (i + 1));
        }
        if (!ends.isEmpty()) {
            x.add(ends.get(ends.size() - 1) / 1000);
            y.add((double) ends.size());
        }
        return new Charts.Series(name, x, y);
    }

    // ---- ablation: Figure 6 ----

    void ablation() throws IOException {
        Path dir = out.resolve("ablation");
        List<Policy> policies = List.of(Policy.VLLM, Policy.SCORPIO_TPOT_ONLY, Policy.SCORPIO_TTFT_ONLY, Policy.SCORPIO);
        ResultTable table = new ResultTable(List.of("policy", "qps", "goodput", "adherence", "ttft_violations",
                "tpot_violations", "rejections"));
        List<WorkloadRequest> wl = poisson(Workloads.SHAREGPT.pool(data), 14, PredictionSource.paperNoisy(seed));
        ProgressBar bar = new ProgressBar("ablation", policies.size());
        for (Policy p : policies) {
            RunSummary s = run(wl, p).summary();
            table.add(p.name(), 14, s.goodput(), s.adherence(), s.all().ttftViolations(), s.all().tpotViolations(),
                    s.all().rejected());
            bar.step(p.name());
        }
        table.writeAll(dir, "ablation");
    }

    // ---- overhead: Table 2 ----

    void overhead() throws IOException {
        Path dir = out.resolve("overhead");
        ResultTable table = new ResultTable(List.of("policy", "qps", "engine_time_s", "decision_time_ms",
                "overhead_percent", "steps", "decision_us_per_step"));
        List<LengthSample> pool = Workloads.SHAREGPT.pool(data);
        // Warm the JIT on one run first, as a long-running service would be.
        run(poisson(pool, 10, PredictionSource.paperNoisy(seed)), Policy.SCORPIO);
        ProgressBar bar = new ProgressBar("overhead", 3 * Policy.ALL.size());
        for (double qps : new double[] {5, 10, 15}) {
            List<WorkloadRequest> wl = poisson(pool, qps, PredictionSource.paperNoisy(seed));
            for (Policy p : Policy.ALL) {
                Simulation.Run r = run(wl, p);
                double decisionMs = r.stats().decisionNanos() / 1e6;
                table.add(p.name(), qps, r.stats().busyMs() / 1000, decisionMs, 100 * r.overheadFraction(),
                        r.stats().steps(), 1000 * decisionMs / Math.max(1, r.stats().steps()));
                bar.step(p.name() + " @ " + qps);
            }
        }
        table.writeAll(dir, "table2");
    }

    // ---- sensitivity to the predictor ----

    void sensitivity() throws IOException {
        Path dir = out.resolve("sensitivity");
        ResultTable table = new ResultTable(List.of("workload", "predictions", "qps", "policy", "goodput",
                "adherence", "ttft_violations", "tpot_violations", "rejections"));
        double[] qpss = {10, 14};
        List<PredictionSource> sources = new ArrayList<>();
        sources.add(PredictionSource.oracle());
        for (double tau : new double[] {0.9, 0.7, NoisyPredictor.PAPER_TAU, 0.3}) {
            sources.add(new PredictionSource.Noisy(new NoisyPredictor(tau, NoisyPredictor.PAPER_RMSE, NoisyPredictor.PAPER_BINS,
                    seed)));
        }
        sources.add(PredictionSource.none());
        ProgressBar bar = new ProgressBar("sensitivity", qpss.length * (sources.size() + 8));
        sensitivityOn(Workloads.SHAREGPT, sources, qpss, table, bar);
        // Arena-Hard and CASTILLO's test chat prompts have prompt text, so the shipped predictor can run on them too.
        try (LengthPredictor onnx = LengthPredictor.open(predictorModel != null ? predictorModel
                : ModelCatalog.defaultModelDir())) {
            for (Workloads workload : List.of(Workloads.ARENA_HARD, Workloads.CASTILLO_CHAT)) {
                sensitivityOn(workload, List.of(PredictionSource.oracle(), PredictionSource.paperNoisy(seed),
                        new PredictionSource.Onnx(onnx), PredictionSource.none()), qpss, table, bar);
            }
        }
        table.writeAll(dir, "sensitivity");
    }

    private void sensitivityOn(Workloads workload, List<PredictionSource> sources, double[] qpss, ResultTable table,
                               ProgressBar bar) {
        List<LengthSample> pool = workload.pool(data);
        for (double qps : qpss) {
            List<WorkloadRequest> base = WorkloadGenerator.paperDefaults().poisson(pool, qps, requests, seed);
            for (PredictionSource src : sources) {
                RunSummary s = run(src.apply(base), Policy.SCORPIO).summary();
                table.add(workload.label(), src.name(), qps, "scorpio", s.goodput(), s.adherence(),
                        s.all().ttftViolations(), s.all().tpotViolations(), s.all().rejected());
                bar.step(workload.label() + " " + src.name() + " @ " + qps);
            }
        }
    }

    // ---- beyond the paper: the guard options against plain scorpio ----

    void beyond() throws IOException {
        Path dir = out.resolve("beyond");
        Map<String, GuardOptions> variants = new LinkedHashMap<>();
        variants.put("scorpio", GuardOptions.NONE);
        variants.put("scorpio+fallback", GuardOptions.NONE.withLowLoadFallback(true));
        variants.put("scorpio+best-effort", GuardOptions.NONE.withBestEffort(true));
        variants.put("scorpio+both", GuardOptions.NONE.withLowLoadFallback(true).withBestEffort(true));
        variants.put("scorpio+prefill-aware credits", GuardOptions.NONE.withPrefillAware(true, false));
        variants.put("scorpio+prefill-aware credits+admission", GuardOptions.NONE.withPrefillAware(true, true));
        ResultTable table = new ResultTable(List.of("variant", "workload", "qps", "goodput", "adherence",
                "ttft_violations", "tpot_violations", "rejections", "best_effort_served"));
        List<Workloads> workloads = List.of(Workloads.SHAREGPT, Workloads.AZURE_CONV);
        ProgressBar bar = new ProgressBar("beyond", workloads.size() * SWEEP_QPS.length * variants.size());
        for (Workloads workload : workloads) {
            Map<String, List<double[]>> points = new LinkedHashMap<>();
            List<LengthSample> pool = workload.pool(data);
            for (double qps : SWEEP_QPS) {
                List<WorkloadRequest> wl = poisson(pool, qps, PredictionSource.paperNoisy(seed));
                for (Map.Entry<String, GuardOptions> v : variants.entrySet()) {
                    Simulation.Run r = Simulation.run(wl, models().setup(Policy.SCORPIO, gpu, seed)
                            .withOptions(v.getValue()));
                    RunSummary s = r.summary();
                    table.add(v.getKey(), workload.label(), qps, s.goodput(), s.adherence(), s.all().ttftViolations(),
                            s.all().tpotViolations(), s.all().rejected(), r.bestEffortServed());
                    points.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(new double[] {qps, s.goodput()});
                    bar.step(v.getKey() + " @ " + qps);
                }
            }
            List<Charts.Series> series = new ArrayList<>();
            points.forEach((name, rows) -> series.add(new Charts.Series(name, rows.stream().map(p -> p[0]).toList(),
                    rows.stream().map(p -> p[1]).toList())));
            Charts.linePng(dir.resolve("goodput-" + workload.label() + ".png"),
                    "Scorpio with and without the options beyond the paper, " + workload.label(), "QPS",
                    "goodput (req/s)", series);
        }
        table.writeAll(dir, "beyond");
    }

    // ---- scale: several engines, placement and migration ----

    /** One configuration of the scale experiment. */
    private record Variant(String name, Policy policy, Placement placement, boolean migrate) {
    }

    void scale() throws IOException {
        Path dir = out.resolve("scale");
        List<Variant> variants = List.of(
                new Variant("vllm, least-loaded", Policy.VLLM, Placement.leastLoaded(), false),
                new Variant("scorpio, least-loaded", Policy.SCORPIO, Placement.leastLoaded(), false),
                new Variant("scorpio, least-loaded + migration", Policy.SCORPIO, Placement.leastLoaded(), true),
                new Variant("scorpio, SLO-aware", Policy.SCORPIO, Placement.sloAware(), false),
                new Variant("scorpio, SLO-aware + migration", Policy.SCORPIO, Placement.sloAware(), true));
        int[] engines = {1, 2, 4};
        double[] qpsPerEngine = {8, 12};
        ResultTable table = new ResultTable(List.of("variant", "engines", "qps_per_engine", "qps", "requests", "goodput",
                "adherence", "scaling_efficiency", "rejections", "migrations"));
        List<LengthSample> pool = Workloads.SHAREGPT.pool(data);
        ProgressBar bar = new ProgressBar("scale", engines.length * qpsPerEngine.length * variants.size());
        Map<String, List<Charts.Series>> charts = new LinkedHashMap<>();
        for (double perEngine : qpsPerEngine) {
            List<Charts.Series> series = new ArrayList<>();
            for (Variant v : variants) {
                double single = Double.NaN;
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (int n : engines) {
                    List<WorkloadRequest> wl = PredictionSource.paperNoisy(seed).apply(WorkloadGenerator.paperDefaults()
                            .poisson(pool, perEngine * n, requests * n, seed));
                    Simulation.ClusterRun r = Simulation.runCluster(wl, models().setup(v.policy(), gpu, seed), n,
                            v.placement(), v.migrate());
                    double goodput = r.summary().goodput();
                    if (n == 1) {
                        single = goodput;
                    }
                    table.add(v.name(), n, perEngine, perEngine * n, wl.size(), goodput, r.summary().adherence(),
                            goodput / (n * single), r.summary().all().rejected(), r.stats().migrations());
                    xs.add((double) n);
                    ys.add(goodput);
                    bar.step(v.name() + " x" + n);
                }
                series.add(new Charts.Series(v.name(), xs, ys));
            }
            charts.put(String.format("goodput-qps%.0f-per-engine.png", perEngine), series);
        }
        for (Map.Entry<String, List<Charts.Series>> c : charts.entrySet()) {
            Charts.linePng(dir.resolve(c.getKey()), "Goodput vs engines at proportional load (" + c.getKey()
                    .replace("goodput-qps", "").replace("-per-engine.png", "") + " req/s per engine), ShareGPT",
                    "engines", "goodput (req/s)", c.getValue());
        }
        table.writeAll(dir, "scale");
    }
}
