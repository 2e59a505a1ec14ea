package io.scorpio.live;

import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.ResultTable;
import io.scorpio.experiments.runner.Simulation;
import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.NoisyPredictor;
import io.scorpio.experiments.workload.PredictionQuality;
import io.scorpio.experiments.workload.PredictionSource;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.model.DataFiles;
import io.scorpio.predictor.LengthPredictor;
import io.scorpio.predictor.ModelCatalog;
import io.scorpio.predictor.data.LengthCorpus;
import io.scorpio.server.ScorpioNode;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import io.scorpio.standin.AnswerLengths;
import io.scorpio.standin.StandinOptions;
import io.scorpio.standin.StandinServer;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Scorpio in front of stock vLLM servers (issue 16), measured live: the same workload sent straight to N vLLM
 * stand-ins (round robin), through a Scorpio node with policy {@code scorpio} (request-level control only), the same
 * with the deadline order sent as vLLM's priority, and run through the virtual-time runner with step-level control.
 *
 * <pre>
 * java -Djava.awt.headless=true -Xmx2g -cp load-tests/live/target/scorpio-live.jar io.scorpio.live.StockVllm \
 *     --workload sharegpt --qps 5,8,11,14,15 --engines 1 --seconds 60 --out docs/results/stock-vllm
 * </pre>
 *
 * <p>Everything runs in this JVM: the stand-ins (each its own verticle, scheduling as vLLM V1 on the simulated A100,
 * at {@code --time-scale} times the A100's step times), the node ({@code ScorpioNode.start}, {@code worker=vllm})
 * and the client. Stand-ins and node are started afresh for every point.
 *
 * <p>Two kinds of prompt ({@code --prompts}). {@code synthetic} (the default): requests carry length-matched
 * synthetic text, {@code max_tokens} = their true output length and {@code ignore_eos}, so every setup produces the
 * same tokens and the node ({@code predictor=none}) knows each output length, as the virtual-time run does.
 * {@code text} (Arena-Hard, CASTILLO's chat test split): the real prompt text, the paper's {@code max_tokens} 2,048
 * and no {@code ignore_eos}; the stand-ins stop each answer at the length Llama-3.1-8B gave that prompt (replayed,
 * {@link AnswerLengths}), the node runs its shipped ONNX length predictor, and the virtual-time run plans with the
 * same model's predictions of the same prompts ({@code virtual-time-oracle}: with the true lengths instead).
 */
public final class StockVllm {

    static final String USAGE = """
            usage: StockVllm [--workload sharegpt[,arena-hard,castillo-chat]] [--prompts synthetic|text]
                             [--qps 5,8,11,14,15] [--engines 1[,2]]
                             [--setups direct,scorpio,scorpio-priority,virtual-time] [--seconds 60] [--drain-seconds 90]
                             [--time-scale 1] [--seed 42] [--out docs/results/stock-vllm]
              --prompts: synthetic (default): length-matched text, max_tokens = the true length, ignore_eos, the node
              without a predictor; text: the real prompt text (arena-hard, castillo-chat only), max_tokens 2,048, no
              ignore_eos, answers replayed at their real length by the stand-ins, the node with its ONNX predictor.
              --setups: also virtual-time-no-credits (virtual time with credits off: request-level control on exact
              steps) and virtual-time-oracle (virtual time planning with the true output lengths).
              --seconds: arrivals per point, in the model's time (requests = qps x seconds).
              --time-scale: every duration (stand-in steps, the node's models, SLOs, arrival gaps) stretched by it;
              the results are read back in the model's time.""";

    static final List<String> SETUPS = List.of("direct", "scorpio", "scorpio-priority", "virtual-time",
            "virtual-time-no-credits", "virtual-time-oracle");

    private StockVllm() {
    }

    /** A sweep as the command line gives it, checked before anything runs. */
    record Sweep(List<Workloads> workloads, LiveClient.Prompts prompts, List<Double> qps, List<Integer> engines,
                 List<String> setups, double seconds, double drainSeconds, TimeDilation dilation, long seed, Path out) {

        static Sweep parse(Map<String, String> o) {
            List<Workloads> workloads = CommaList.parse(o.getOrDefault("workload", "sharegpt"),
                    s -> Workloads.named(s.trim()), "--workload");
            LiveClient.Prompts prompts = LiveClient.Prompts.named(o.getOrDefault("prompts", "synthetic"));
            List<Double> qps = CommaList.parse(o.getOrDefault("qps", "5,8,11,14,15"), s -> Double.parseDouble(s.trim()),
                    "--qps");
            List<Integer> engines = CommaList.parse(o.getOrDefault("engines", "1"), s -> Integer.parseInt(s.trim()),
                    "--engines");
            List<String> setups = CommaList.parse(o.getOrDefault("setups", "direct,scorpio,scorpio-priority,virtual-time"),
                    String::trim, "--setups");
            double seconds = Double.parseDouble(o.getOrDefault("seconds", "60"));
            double drainSeconds = Double.parseDouble(o.getOrDefault("drain-seconds", "90"));
            for (String setup : setups) {
                if (!SETUPS.contains(setup)) {
                    throw new IllegalArgumentException("unknown setup " + setup + "; known: " + SETUPS + "\n" + USAGE);
                }
            }
            if (qps.stream().anyMatch(q -> !(q > 0) || q.isInfinite()) || engines.stream().anyMatch(e -> e < 1)
                    || !(seconds > 0) || !(drainSeconds >= 0)) {
                throw new IllegalArgumentException("need --qps > 0, --engines >= 1, --seconds > 0 and --drain-seconds >= 0");
            }
            if (prompts == LiveClient.Prompts.TEXT) {
                for (Workloads w : workloads) {
                    if (w != Workloads.ARENA_HARD && w != Workloads.CASTILLO_CHAT) {
                        throw new IllegalArgumentException("--prompts text needs prompt text: " + w.label()
                                + " has lengths only (use arena-hard or castillo-chat, or --prompts synthetic)");
                    }
                }
            }
            return new Sweep(workloads, prompts, qps, engines, setups, seconds, drainSeconds,
                    new TimeDilation(Double.parseDouble(o.getOrDefault("time-scale", "1"))),
                    Long.parseLong(o.getOrDefault("seed", "42")), Path.of(o.getOrDefault("out", "docs/results/stock-vllm")));
        }

        boolean text() {
            return prompts == LiveClient.Prompts.TEXT;
        }

        /** One point's requests, as this sweep's prompts need them. */
        List<WorkloadRequest> requests(Workloads workload, DataFiles data, double rate, int count, long seedOf) {
            return text() ? LiveWorkloads.withText(workload, data, rate, count, seedOf)
                    : LiveWorkloads.build(workload, data, rate, count, seedOf);
        }

        /** What the stand-ins replay: the real answer lengths of the workload's prompts (none with synthetic text). */
        AnswerLengths answers(Workloads workload, DataFiles data) {
            return text() ? AnswerLengths.of(LiveWorkloads.answerLengths(workload, data)) : AnswerLengths.NONE;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = LiveLoad.parse(args, Set.of("help"), USAGE);
        if (o.containsKey("help")) {
            System.out.println(USAGE);
            return;
        }
        Sweep sweep = Sweep.parse(o);
        DataFiles data = DataFiles.resolve();
        Path out = sweep.out();
        long seed = sweep.seed();

        ResultTable summary = new ResultTable(List.of("workload", "qps", "engines", "setup", "goodput", "adherence"));
        ResultTable details = new ResultTable(List.of("workload", "qps", "engines", "setup", "requests", "goodput",
                "adherence", "completed", "compliant", "rejected", "ttft_violations", "tpot_violations", "failed",
                "aborted", "not_sent", "ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms", "duration_s",
                "load_avg_1m_start", "load_avg_1m_end", "predictions", "predictions_missed", "prediction_mean_ms"));
        try (Predictions predictions = new Predictions()) {
            // Warm-up, not recorded: class loading and the JIT under a first load would otherwise fall on the first point.
            if (sweep.setups().stream().anyMatch(x -> !x.startsWith("virtual-time"))) {
                Workloads first = sweep.workloads().get(0);
                List<WorkloadRequest> warm = sweep.requests(first, data, 4, 40, seed + 1);
                AnswerLengths answers = sweep.answers(first, data);
                live("direct", warm, 1, sweep, answers, 20, null, "warm-up");
                live("scorpio", warm, 1, sweep, answers, 20, null, "warm-up");
            }
            // Every prompt sent, per workload, for the predictor's report of a text sweep.
            Map<Workloads, Map<String, WorkloadRequest>> prompts = new LinkedHashMap<>();
            for (Workloads workload : sweep.workloads()) {
                AnswerLengths answers = sweep.answers(workload, data);
                for (int engines : sweep.engines()) {
                    for (double qps : sweep.qps()) {
                        int requests = (int) Math.round(qps * sweep.seconds());
                        List<WorkloadRequest> wl = sweep.requests(workload, data, qps, requests, seed);
                        if (sweep.text()) {
                            wl.forEach(w -> prompts.computeIfAbsent(workload, k -> new LinkedHashMap<>())
                                    .putIfAbsent(w.promptText(), w));
                        }
                        for (String setup : sweep.setups()) {
                            double loadStart = loadAverage();
                            Point p = switch (setup) {
                                case "virtual-time" -> virtualTime(sweep.text() ? predictions.apply(wl) : wl, engines,
                                        seed, data, true);
                                case "virtual-time-no-credits" -> virtualTime(sweep.text() ? predictions.apply(wl) : wl,
                                        engines, seed, data, false);
                                case "virtual-time-oracle" -> virtualTime(PredictionSource.oracle().apply(wl), engines,
                                        seed, data, true);
                                default -> live(setup, wl, engines, sweep, answers, sweep.drainSeconds(),
                                        out.resolve(String.format(Locale.ROOT, "%s-qps%s-e%d-%s", workload.label(), qps,
                                                engines, setup)), workload.label() + "@" + qps);
                            };
                            double loadEnd = loadAverage();
                            RunSummary s = p.summary();
                            summary.add(workload.label(), qps, engines, setup, s.goodput(), s.adherence());
                            details.add(workload.label(), qps, engines, setup, wl.size(), s.goodput(), s.adherence(),
                                    s.all().completed(), s.all().compliant(), s.all().rejected(), s.all().ttftViolations(),
                                    s.all().tpotViolations(), s.all().failed(), s.all().aborted(), p.notSent(),
                                    s.ttft().p50(), s.ttft().p99(), s.tpot().p50(), s.tpot().p99(), s.durationMs() / 1000,
                                    loadStart, loadEnd, p.predicted().made(), p.predicted().missed(),
                                    p.predicted().meanMs());
                            System.err.printf(Locale.ROOT, "%s qps %.1f engines %d %-16s goodput %.3f adherence %.3f "
                                            + "(rejected %d, failed %d, aborted %d; load %.2f -> %.2f)%n",
                                    workload.label(), qps, engines, setup, s.goodput(), s.adherence(), s.all().rejected(),
                                    s.all().failed(), s.all().aborted(), loadStart, loadEnd);
                            // Written after every point, so that an interrupted sweep keeps what it measured.
                            summary.writeAll(out, "summary");
                            details.writeAll(out, "details");
                        }
                    }
                }
            }
            if (sweep.text()) {
                writePredictionQuality(out, prompts, predictions, data);
            }
        }
        System.out.print(details.toMarkdown());
    }

    /**
     * The shipped predictor against the replayed truth on the prompts a text sweep sent: {@code predictions.csv}, one
     * row per prompt (by its SHA-256, as {@code --answer-lengths} keys it), and {@code prediction-quality.*} per
     * workload, over all prompts and split by whether the predictor was trained on the prompt (Arena-Hard's train and
     * validation parts are in its training data; CASTILLO's test split is not).
     */
    static void writePredictionQuality(Path out, Map<Workloads, Map<String, WorkloadRequest>> prompts,
                                       Predictions predictions, DataFiles data) throws IOException {
        Set<String> trained = new HashSet<>();
        LengthCorpus.load(data).stream().filter(r -> !r.isTest()).forEach(r -> trained.add(r.prompt()));
        ResultTable rows = new ResultTable(List.of("workload", "prompt_sha256", "prompt_tokens", "true_tokens",
                "predicted_tokens", "trained_on"));
        ResultTable quality = new ResultTable(List.of("workload", "prompts", "n", "mean_true", "mean_predicted", "rmse",
                "kendall_tau", "under_predicted"));
        for (Map.Entry<Workloads, Map<String, WorkloadRequest>> e : prompts.entrySet()) {
            List<WorkloadRequest> predicted = predictions.apply(List.copyOf(e.getValue().values()));
            for (WorkloadRequest w : predicted) {
                rows.add(e.getKey().label(), AnswerLengths.key(w.promptText()), w.promptTokens(), w.outputTokens(),
                        w.predictedOutputTokens().getAsInt(), trained.contains(w.promptText()));
            }
            Map<String, List<WorkloadRequest>> groups = new LinkedHashMap<>();
            groups.put("all", predicted);
            groups.put("trained-on", predicted.stream().filter(w -> trained.contains(w.promptText())).toList());
            groups.put("not-trained-on", predicted.stream().filter(w -> !trained.contains(w.promptText())).toList());
            groups.forEach((name, group) -> {
                if (group.size() >= 2) {
                    int[] truth = group.stream().mapToInt(WorkloadRequest::outputTokens).toArray();
                    int[] guess = group.stream().mapToInt(w -> w.predictedOutputTokens().getAsInt()).toArray();
                    PredictionQuality q = PredictionQuality.of(truth, guess, NoisyPredictor.PAPER_BINS);
                    long under = IntStream.range(0, truth.length).filter(i -> guess[i] < truth[i]).count();
                    quality.add(e.getKey().label(), name, group.size(), Arrays.stream(truth).average().orElse(0),
                            Arrays.stream(guess).average().orElse(0), q.rmse(), q.kendallTau(),
                            (double) under / group.size());
                }
            });
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("predictions.csv"), rows.toCsv());
        quality.writeAll(out, "prediction-quality");
    }

    /** One point's results, in the model's time, and what the node's length predictor did (live Scorpio setups). */
    record Point(RunSummary summary, int notSent, NodePredictions predicted) {
        Point(RunSummary summary, int notSent) {
            this(summary, notSent, NodePredictions.NONE);
        }
    }

    /**
     * The node's predictions in one point, from its {@code scorpio_predictor_latency} timer: how many came back, how
     * many were missed (timed out or failed: the guard then plans with max_tokens) and their mean latency.
     */
    record NodePredictions(long made, long missed, double meanMs) {
        static final NodePredictions NONE = new NodePredictions(0, 0, Double.NaN);

        static NodePredictions of(ScorpioNode node) {
            Collection<Timer> timers = node.metrics().registry().find("scorpio_predictor_latency").timers();
            long made = 0;
            long missed = 0;
            double totalMs = 0;
            for (Timer t : timers) {
                if ("ok".equals(t.getId().getTag("outcome"))) {
                    made += t.count();
                    totalMs += t.totalTime(TimeUnit.MILLISECONDS);
                } else {
                    missed += t.count();
                }
            }
            return new NodePredictions(made, missed, made == 0 ? Double.NaN : totalMs / made);
        }
    }

    /**
     * The shipped ONNX length predictor's predictions for the virtual-time runs of a text sweep: the same model the
     * node runs by default ({@code onnx-models/}), on the same prompt text, clamped to max_tokens as the guard clamps
     * them ({@link PredictionSource.Onnx}). Each prompt is predicted once per sweep; the model is opened on first use.
     */
    static final class Predictions implements AutoCloseable {
        private final Map<String, Integer> known = new HashMap<>();
        private LengthPredictor model;

        List<WorkloadRequest> apply(List<WorkloadRequest> wl) {
            List<WorkloadRequest> unknown = wl.stream().filter(w -> !known.containsKey(w.promptText())).toList();
            if (!unknown.isEmpty()) {
                if (model == null) {
                    model = LengthPredictor.open(ModelCatalog.defaultModelDir());
                }
                // Clamped to each request's max_tokens, the same for a prompt wherever it recurs (the paper's 2,048).
                for (WorkloadRequest w : new PredictionSource.Onnx(model).apply(unknown)) {
                    known.put(w.promptText(), w.predictedOutputTokens().getAsInt());
                }
            }
            return wl.stream().map(w -> w.withPrediction(OptionalInt.of(Math.min(known.get(w.promptText()),
                    w.maxTokens())))).toList();
        }

        @Override
        public void close() {
            if (model != null) {
                model.close();
            }
        }
    }

    /**
     * Step-level Scorpio in virtual time on the same workload: the node's own defaults (policy {@code scorpio} with
     * credits, the paper's engine, the fitted models) on the calibrated simulated A100. One engine only: the requests
     * of several engines are split round robin, as the direct clients split them. Without {@code credits}: the same
     * with credit-based batching off, which is all that request-level control can run (every admitted request in
     * every step), with the engine's steps still exact: what the stock API costs, apart from vLLM's own engine.
     */
    static Point virtualTime(List<WorkloadRequest> wl, int engines, long seed, DataFiles data, boolean credits) {
        NodeSettings s = NodeSettings.from(ServerConfig.layered(Map.of(), Map.of("predictor", "none",
                "hazelcast.mode", "none"), List.of()));
        GpuProfile gpu = GpuProfile.load(s.worker().kind(), data);
        List<io.scorpio.experiments.metrics.RequestResult> all = new ArrayList<>();
        for (int e = 0; e < engines; e++) {
            int engine = e;
            List<WorkloadRequest> share = wl.stream().filter(w -> Math.floorMod(w.id(), (long) engines) == engine).toList();
            Simulation.Setup setup = new Simulation.Setup(credits ? s.guard().policy() : s.guard().policy().withoutCredits(),
                    s.guard().scheduler(),
                    s.guard().options(), s.guard().stepModel(), s.guard().prefillModel(), gpu, seed + e);
            all.addAll(Simulation.run(share, setup).results());
        }
        return new Point(RunSummary.of(all), 0);
    }

    /** One live point: fresh stand-ins, and for the Scorpio setups a fresh node in front of them. */
    static Point live(String setup, List<WorkloadRequest> wl, int engines, Sweep sweep, AnswerLengths answers,
                      double drainSeconds, Path dir, String label) throws Exception {
        boolean priority = setup.equals("scorpio-priority");
        TimeDilation dilation = sweep.dilation();
        Vertx vertx = Vertx.vertx();
        ScorpioNode node = null;
        try {
            List<Integer> ports = new ArrayList<>();
            for (int e = 0; e < engines; e++) {
                StandinServer standin = new StandinServer(StandinOptions.parse(Map.of("port", "0",
                        "scheduling-policy", priority ? "priority" : "fcfs",
                        "time-scale", Double.toString(dilation.factor()), "seed", Long.toString(42 + e)))
                        .withAnswerLengths(answers));
                vertx.deployVerticle(standin).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
                ports.add(standin.port());
            }
            List<Loopback> targets = new ArrayList<>();
            if (setup.equals("direct")) {
                ports.forEach(port -> targets.add(new Loopback("127.0.0.1", port)));
            } else {
                List<String> urls = ports.stream().map(port -> "http://127.0.0.1:" + port).toList();
                Map<String, String> flags = new LinkedHashMap<>();
                flags.put("http.port", "0");
                if (!sweep.text()) {
                    flags.put("predictor", "none"); // max_tokens is the true length: nothing to predict
                }
                flags.put("hazelcast.mode", "none");
                flags.put("policy", "scorpio");
                flags.put("worker", "vllm");
                flags.put("engines", Integer.toString(engines));
                flags.put("vllm.url", String.join(",", urls));
                flags.put("vllm.priority", Boolean.toString(priority));
                List<String> dilated = new ArrayList<>(dilation.nodeFlags());
                dilated.removeIf(f -> f.startsWith("--worker.time-scale")); // the stand-ins carry the step times
                node = ScorpioNode.start(ServerConfig.layered(Map.of(), flags, dilated));
                targets.add(new Loopback("127.0.0.1", node.port()));
            }
            List<WorkloadRequest> sent = dilation.stretch(wl);
            double lastArrivalS = sent.get(sent.size() - 1).arrivalMs() / 1000;
            LiveClient.Run wall;
            try (LiveClient client = new LiveClient(new LiveClient.Options(targets, LiveClient.Transport.SSE,
                    "llama-3.1-8b", lastArrivalS + drainSeconds * dilation.factor(), 4, false, null,
                    setup.equals("direct"), sweep.prompts()))) {
                wall = client.run(sent);
            }
            LiveClient.Run run = dilation.toModelTime(wall);
            if (dir != null) {
                LiveReport.writeCompact(dir, label, "sse", 0, run);
            }
            return new Point(RunSummary.of(run.results()), run.notSent(),
                    node == null ? NodePredictions.NONE : NodePredictions.of(node));
        } finally {
            if (node != null) {
                node.close();
            }
            vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
