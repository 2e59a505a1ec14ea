package io.scorpio.live;

import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.ResultTable;
import io.scorpio.experiments.runner.Simulation;
import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.model.DataFiles;
import io.scorpio.server.ScorpioNode;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import io.scorpio.standin.StandinOptions;
import io.scorpio.standin.StandinServer;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 * at {@code --time-scale} times the A100's step times), the node ({@code ScorpioNode.start}, {@code worker=vllm},
 * {@code predictor=none}) and the client. Stand-ins and node are started afresh for every point. Requests carry
 * {@code max_tokens} = their true output length and {@code ignore_eos}, so every setup produces the same tokens and
 * the node's guard knows each output length (as the virtual-time run does: no predictor on either side).
 */
public final class StockVllm {

    static final String USAGE = """
            usage: StockVllm [--workload sharegpt[,arena-hard]] [--qps 5,8,11,14,15] [--engines 1[,2]]
                             [--setups direct,scorpio,scorpio-priority,virtual-time] [--seconds 60] [--drain-seconds 90]
                             [--time-scale 1] [--seed 42] [--out docs/results/stock-vllm]
              --setups: also virtual-time-no-credits (virtual time with credits off: request-level control on exact steps).
              --seconds: arrivals per point, in the model's time (requests = qps x seconds).
              --time-scale: every duration (stand-in steps, the node's models, SLOs, arrival gaps) stretched by it;
              the results are read back in the model's time.""";

    private StockVllm() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = LiveLoad.parse(args, java.util.Set.of("help"), USAGE);
        if (o.containsKey("help")) {
            System.out.println(USAGE);
            return;
        }
        List<Workloads> workloads = CommaList.parse(o.getOrDefault("workload", "sharegpt"), s -> Workloads.named(s.trim()), "--workload");
        List<Double> qpss = CommaList.parse(o.getOrDefault("qps", "5,8,11,14,15"), s -> Double.parseDouble(s.trim()), "--qps");
        List<Integer> engineCounts = CommaList.parse(o.getOrDefault("engines", "1"), s -> Integer.parseInt(s.trim()), "--engines");
        List<String> setups = CommaList.parse(o.getOrDefault("setups", "direct,scorpio,scorpio-priority,virtual-time"),
                String::trim, "--setups");
        double seconds = Double.parseDouble(o.getOrDefault("seconds", "60"));
        double drainSeconds = Double.parseDouble(o.getOrDefault("drain-seconds", "90"));
        TimeDilation dilation = new TimeDilation(Double.parseDouble(o.getOrDefault("time-scale", "1")));
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        Path out = Path.of(o.getOrDefault("out", "docs/results/stock-vllm"));
        DataFiles data = DataFiles.resolve();

        ResultTable summary = new ResultTable(List.of("workload", "qps", "engines", "setup", "goodput", "adherence"));
        ResultTable details = new ResultTable(List.of("workload", "qps", "engines", "setup", "requests", "goodput",
                "adherence", "completed", "compliant", "rejected", "ttft_violations", "tpot_violations", "failed",
                "aborted", "not_sent", "ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms", "duration_s",
                "load_avg_1m_start", "load_avg_1m_end"));
        // Warm-up, not recorded: class loading and the JIT under a first load would otherwise fall on the first point.
        if (setups.stream().anyMatch(x -> !x.startsWith("virtual-time"))) {
            List<WorkloadRequest> warm = LiveWorkloads.build(workloads.get(0), data, 4, 40, seed + 1);
            live("direct", warm, 1, dilation, 20, null, "warm-up");
            live("scorpio", warm, 1, dilation, 20, null, "warm-up");
        }
        for (Workloads workload : workloads) {
            for (int engines : engineCounts) {
                for (double qps : qpss) {
                    int requests = (int) Math.round(qps * seconds);
                    List<WorkloadRequest> wl = LiveWorkloads.build(workload, data, qps, requests, seed);
                    for (String setup : setups) {
                        double loadStart = loadAverage();
                        Point p = switch (setup) {
                            case "virtual-time" -> virtualTime(wl, engines, seed, data, true);
                            case "virtual-time-no-credits" -> virtualTime(wl, engines, seed, data, false);
                            case "direct", "scorpio", "scorpio-priority" -> live(setup, wl, engines, dilation, drainSeconds,
                                    out.resolve(String.format(Locale.ROOT, "%s-qps%s-e%d-%s", workload.label(), qps,
                                            engines, setup)), workload.label() + "@" + qps);
                            default -> throw new IllegalArgumentException("unknown setup " + setup + "\n" + USAGE);
                        };
                        double loadEnd = loadAverage();
                        RunSummary s = p.summary();
                        summary.add(workload.label(), qps, engines, setup, s.goodput(), s.adherence());
                        details.add(workload.label(), qps, engines, setup, wl.size(), s.goodput(), s.adherence(),
                                s.all().completed(), s.all().compliant(), s.all().rejected(), s.all().ttftViolations(),
                                s.all().tpotViolations(), s.all().failed(), s.all().aborted(), p.notSent(), s.ttft().p50(),
                                s.ttft().p99(), s.tpot().p50(), s.tpot().p99(), s.durationMs() / 1000, loadStart, loadEnd);
                        System.err.printf(Locale.ROOT, "%s qps %.1f engines %d %-16s goodput %.3f adherence %.3f "
                                        + "(rejected %d, failed %d, aborted %d; load %.2f -> %.2f)%n", workload.label(), qps,
                                engines, setup, s.goodput(), s.adherence(), s.all().rejected(), s.all().failed(),
                                s.all().aborted(), loadStart, loadEnd);
                        // Written after every point, so that an interrupted sweep keeps what it measured.
                        summary.writeAll(out, "summary");
                        details.writeAll(out, "details");
                    }
                }
            }
        }
        System.out.print(details.toMarkdown());
    }

    /** One point's results, in the model's time. */
    record Point(RunSummary summary, int notSent) {
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
    static Point live(String setup, List<WorkloadRequest> wl, int engines, TimeDilation dilation, double drainSeconds,
                      Path dir, String label) throws Exception {
        boolean priority = setup.equals("scorpio-priority");
        Vertx vertx = Vertx.vertx();
        ScorpioNode node = null;
        try {
            List<Integer> ports = new ArrayList<>();
            for (int e = 0; e < engines; e++) {
                StandinServer standin = new StandinServer(StandinOptions.parse(Map.of("port", "0",
                        "scheduling-policy", priority ? "priority" : "fcfs",
                        "time-scale", Double.toString(dilation.factor()), "seed", Long.toString(42 + e))));
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
                flags.put("predictor", "none");
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
                    setup.equals("direct")))) {
                wall = client.run(sent);
            }
            LiveClient.Run run = dilation.toModelTime(wall);
            if (dir != null) {
                LiveReport.writeCompact(dir, label, "sse", 0, run);
            }
            return new Point(RunSummary.of(run.results()), run.notSent());
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
