package io.scorpio.live;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.ResultTable;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.DataFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What a frozen node costs a cluster's clients: three node JVMs (one simulated worker each) under the ShareGPT load
 * of {@link ClusterScale}, clients entering nodes 1 and 2 only, while node 3 is frozen ({@code SIGSTOP}) for a while
 * and thawed ({@code SIGCONT}) before Hazelcast's heartbeat timeout would remove it: a long GC pause, a stalled VM.
 * Prints and writes goodput and SLO adherence over the whole run and over the requests that arrived while node 3 was
 * frozen. Run it against each server build to compare (the nodes are started from {@code --server-classpath}):
 *
 * <pre>
 * java -cp load-tests/live/target/scorpio-live.jar io.scorpio.live.NodeFreeze --out target/node-freeze/new
 * java -cp load-tests/live/target/scorpio-live.jar io.scorpio.live.NodeFreeze --freeze-for-s 0 --out ...   # no freeze
 * </pre>
 */
public final class NodeFreeze {

    static final String USAGE = """
            usage: NodeFreeze [--qps-per-worker 6] [--requests-per-worker 224] [--time-scale 2] [--freeze-at-s 20]
                              [--freeze-for-s 10] [--seed 42] [--out target/node-freeze] [--logs target/node-freeze-logs]
                              [--node-jvm "-Xmx512m -XX:+UseSerialGC"] [--server-classpath PATH] [--label TEXT]
              --freeze-at-s, --freeze-for-s: wall seconds after the first request, and for how long node 3 is frozen
                                             (0: not frozen, the baseline); keep it under the heartbeat timeout (15 s)
              --label: what this run is (e.g. the server build), written beside its figures
            """;

    private static final int TIMELINE_SLICE_S = 5;

    private NodeFreeze() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = LiveLoad.parse(args, Set.of("help"), USAGE);
        if (o.containsKey("help")) {
            System.out.println(USAGE);
            return;
        }
        double qpsPerWorker = Double.parseDouble(o.getOrDefault("qps-per-worker", "6"));
        int perWorker = Integer.parseInt(o.getOrDefault("requests-per-worker", "224"));
        TimeDilation dilation = new TimeDilation(Double.parseDouble(o.getOrDefault("time-scale", "2")));
        double freezeAtS = Double.parseDouble(o.getOrDefault("freeze-at-s", "20"));
        double freezeForS = Double.parseDouble(o.getOrDefault("freeze-for-s", "10"));
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        Path out = Path.of(o.getOrDefault("out", "target/node-freeze"));
        Path logs = Path.of(o.getOrDefault("logs", "target/node-freeze-logs"));
        String label = o.getOrDefault("label", "");
        NodeCluster.Launch launch = NodeCluster.Launch.fromOptions(o);
        DataFiles data = DataFiles.resolve();
        ScaleConfig config = ScaleConfig.parseAll("3/3").get(0);

        List<String> flags = new ArrayList<>(List.of("--predictor=none", "--policy=scorpio"));
        flags.addAll(dilation.nodeFlags());
        Instant started = Instant.now();
        double loadAtStart = CpuMeter.loadAverage();
        try (NodeCluster cluster = NodeCluster.start(launch, ClusterScale.clusterName("freeze"), config.enginesPerNode(),
                flags, logs)) {
            cluster.awaitFormed(Duration.ofSeconds(180));
            ClusterScale.warmUp(cluster, LiveClient.Transport.SSE, 200 * config.nodes());
            List<WorkloadRequest> sent = dilation.stretch(ClusterScale.modelWorkload(config, qpsPerWorker, perWorker,
                    seed, data));
            NodeCluster.Node frozen = cluster.nodes().get(2);
            List<Loopback> entries = List.of(cluster.nodes().get(0).target(), cluster.nodes().get(1).target());
            double bound = sent.get(sent.size() - 1).arrivalMs() / 1000.0 + 240 * dilation.factor();
            ScheduledExecutorService signals = Executors.newSingleThreadScheduledExecutor();
            LiveClient.Run wall;
            try (LiveClient client = new LiveClient(new LiveClient.Options(entries, LiveClient.Transport.SSE,
                    "llama-3.1-8b", bound, 2, true))) {
                if (freezeForS > 0) {
                    signals.schedule(() -> signal(frozen, "STOP"), (long) (freezeAtS * 1000), TimeUnit.MILLISECONDS);
                    signals.schedule(() -> signal(frozen, "CONT"), (long) ((freezeAtS + freezeForS) * 1000),
                            TimeUnit.MILLISECONDS);
                }
                wall = client.run(sent);
            } finally {
                signal(frozen, "CONT");
                signals.shutdownNow();
            }
            for (NodeCluster.Node n : cluster.nodes()) {
                ServiceState s = ServiceState.awaitIdle(n.target(), 60_000);
                if (!s.idle()) {
                    System.err.println("node-freeze: warning: " + n.id() + " not idle after the run: " + s);
                }
            }
            // Judged in wall time: the freeze window is in wall seconds (compliance is the same in either time).
            List<RequestResult> all = wall.results();
            List<RequestResult> during = arrivedBetween(all, freezeAtS * 1000, (freezeAtS + freezeForS) * 1000);
            RunSummary whole = RunSummary.of(dilation.toModelTime(wall).results());
            RunSummary.Counts window = RunSummary.of(during).all();
            ResultTable t = new ResultTable(List.of("label", "freeze_at_s", "freeze_for_s", "requests", "adherence",
                    "goodput_rps", "completed", "rejected", "failed", "aborted", "window_requests", "window_adherence",
                    "window_completed", "window_rejected", "window_failed", "load_1min_start", "load_1min_end"));
            t.add(label, freezeAtS, freezeForS, all.size(), whole.adherence(), whole.goodput(), whole.all().completed(),
                    whole.all().rejected(), whole.all().failed(), whole.all().aborted(), window.submitted(),
                    window.adherence(), window.completed(), window.rejected(), window.failed(), loadAtStart,
                    CpuMeter.loadAverage());
            t.writeAll(out, "node-freeze");
            System.out.print(t.toMarkdown());
            ResultTable timeline = timeline(label, all);
            timeline.writeAll(out, "node-freeze-timeline");
            System.out.print(timeline.toMarkdown());
            System.err.printf("node-freeze: done in %.1f min (started %s); results in %s%n",
                    Duration.between(started, Instant.now()).toSeconds() / 60.0, started, out.toAbsolutePath());
        }
    }

    /** The requests that arrived in {@code [fromMs, toMs)}. */
    static List<RequestResult> arrivedBetween(List<RequestResult> all, double fromMs, double toMs) {
        return all.stream().filter(r -> r.arrivalMs() >= fromMs && r.arrivalMs() < toMs).toList();
    }

    /** Where the misses fall: adherence by arrival, in {@value #TIMELINE_SLICE_S}-second slices from 0. */
    static ResultTable timeline(String label, List<RequestResult> all) {
        ResultTable t = new ResultTable(List.of("label", "arrival_from_s", "requests", "adherence", "ttft_violations",
                "tpot_violations", "rejected"));
        double lastS = all.stream().mapToDouble(RequestResult::arrivalMs).max().orElse(0) / 1000;
        for (int from = 0; from <= lastS; from += TIMELINE_SLICE_S) {
            RunSummary.Counts c = RunSummary.of(arrivedBetween(all, from * 1000.0, (from + TIMELINE_SLICE_S) * 1000.0)).all();
            t.add(label, from, c.submitted(), c.adherence(), c.ttftViolations(), c.tpotViolations(), c.rejected());
        }
        return t;
    }

    private static void signal(NodeCluster.Node n, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(n.process().pid())).inheritIO().start().waitFor();
            System.err.printf("node-freeze: %s %s at %s%n", signal, n.id(), Instant.now());
        } catch (Exception e) {
            System.err.println("node-freeze: kill -" + signal + " failed: " + e);
        }
    }
}
