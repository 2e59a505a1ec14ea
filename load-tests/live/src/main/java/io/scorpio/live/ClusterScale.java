package io.scorpio.live;

import io.scorpio.core.cluster.Placement;
import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.Charts;
import io.scorpio.experiments.report.ResultTable;
import io.scorpio.experiments.runner.Simulation;
import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.model.DataFiles;
import io.scorpio.model.Slo;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cluster scale experiment: goodput and SLO adherence of 1, 2 and 4 simulated workers on 1, 2 and 3 node
 * processes at load proportional to the workers (the same QPS per worker), measured at the client; and the time
 * clustering adds to each scheduling decision, from the nodes' {@code scorpio_placement_latency_seconds}.
 *
 * <p>For each configuration it starts the node JVMs itself (loopback, free ports, a cluster name of its own, logs
 * under {@code --logs}), waits until they form one cluster, warms them up with light requests, then for each
 * per-worker QPS replays the ShareGPT workload over SSE, spreading requests over the nodes' HTTP ports round robin,
 * scrapes every node's placement histogram before and after, and records the machine's CPU use. Then it stops the
 * nodes. A focused probe follows: light requests one at a time on one node alone and on a two-node cluster, so that
 * queueing does not hide the per-decision cost. See docs/cluster.md, "Scaling across nodes".
 *
 * <pre>
 * java -Djava.awt.headless=true -Xmx1g -XX:+UseSerialGC -cp load-tests/live/target/scorpio-live.jar \
 *     io.scorpio.live.ClusterScale --out docs/results/cluster-scale
 * </pre>
 */
public final class ClusterScale {

    static final String USAGE = """
            usage: ClusterScale [--configs 1/1,2/1,2/2,4/1,4/2,4/3] [--qps-per-worker 6,12] [--requests-per-worker 224]
                                [--time-scale 2] [--policy scorpio] [--transport sse|ws] [--seed 42] [--estimate-only]
                                [--warmup-requests 30] [--probe-requests 200] [--probe-nodes 1,2]
                                [--probe-warmup-requests 1200] [--out target/cluster-scale]
                                [--logs target/cluster-scale-logs] [--node-jvm "-Xmx512m -XX:+UseSerialGC"]
                                [--server-classpath PATH]
              --configs: workers/nodes pairs (workers >= nodes; engines split as evenly as possible, e.g. 4/3 = 2+1+1);
                         'none' skips the scale runs (probe only).
              --qps-per-worker: the load per worker in the model's time; the run's QPS is this times the workers.
              --time-scale: the whole system runs this many times slower than the simulated GPU's real time
                            (workers, scheduler time models, SLOs and arrivals alike); results are in model time.
              --estimate-only: print the virtual-time reference of every run and the expected wall time, start nothing.
              --probe-requests: light sequential requests per probe setup (one node alone, two nodes); 0 skips it.
              --probe-nodes: the cluster sizes the probe runs, one worker per node (default 1,2; e.g. 1,3).
              --probe-warmup-requests: light requests per node before the probe measures: enough that the JIT has
                            compiled the cluster's own placement path, which runs only once per request per node.
              --server-classpath: where io.scorpio.server.Launcher is loaded from (default: this JVM's class path,
                            i.e. scorpio-live.jar, which bundles the server; or server/target/scorpio-server.jar).""";

    /** The histogram every node keeps of its placement decisions (server, ServerMetrics.placement). */
    static final String PLACEMENT = "scorpio_placement_latency_seconds";
    static final String ROUND_TRIP = "scorpio_cluster_round_trip_seconds";
    static final String QUOTE_FAILURES = "scorpio_placement_quote_failures_total";
    /** Warm-up requests reach each node this far apart: light load, nothing queues. */
    static final double WARM_UP_GAP_MS = 100;

    /** What a scale run produced, before efficiency (which needs the 1-worker run) is known. */
    record ScaleRun(ScaleConfig config, double qpsPerWorker, int requests, LiveClient.Run run, RunSummary summary,
                    RunSummary sim, CpuMeter.Use cpu, double loadAverage, double formedSeconds, double quoteFailures,
                    Map<Map<String, String>, PromHistogram> placement) {
    }

    private ClusterScale() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = LiveLoad.parse(args, Set.of("help", "estimate-only"), USAGE);
        if (o.containsKey("help")) {
            System.out.println(USAGE);
            return;
        }
        String configsArg = o.getOrDefault("configs", ScaleConfig.DEFAULT_MATRIX);
        List<ScaleConfig> configs = configsArg.equalsIgnoreCase("none") ? List.of() : ScaleConfig.parseAll(configsArg);
        List<Double> qpsPerWorker = Arrays.stream(o.getOrDefault("qps-per-worker", "6,12").split(","))
                .map(String::strip).map(Double::parseDouble).toList();
        int perWorker = Integer.parseInt(o.getOrDefault("requests-per-worker", "224"));
        TimeDilation dilation = new TimeDilation(Double.parseDouble(o.getOrDefault("time-scale", "2")));
        String policy = o.getOrDefault("policy", "scorpio");
        LiveClient.Transport transport = LiveClient.Transport.valueOf(o.getOrDefault("transport", "sse").toUpperCase());
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup-requests", "30"));
        int probe = Integer.parseInt(o.getOrDefault("probe-requests", "200"));
        int probeWarmup = Integer.parseInt(o.getOrDefault("probe-warmup-requests", "1200"));
        List<Integer> probeNodes = Arrays.stream(o.getOrDefault("probe-nodes", "1,2").split(","))
                .map(String::strip).map(Integer::parseInt).toList();
        Path out = Path.of(o.getOrDefault("out", "target/cluster-scale"));
        Path logs = Path.of(o.getOrDefault("logs", "target/cluster-scale-logs"));
        DataFiles data = DataFiles.resolve();
        NodeCluster.Launch launch = NodeCluster.Launch.fromOptions(o);
        if (perWorker < 1 || qpsPerWorker.isEmpty() || qpsPerWorker.stream().anyMatch(q -> !(q > 0))) {
            throw new IllegalArgumentException("need --requests-per-worker >= 1 and positive --qps-per-worker\n" + USAGE);
        }

        // A Ctrl-C must not leave node JVMs behind: the hook stops whichever cluster is up.
        AtomicReference<NodeCluster> current = new AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            NodeCluster c = current.getAndSet(null);
            if (c != null) {
                c.close();
            }
        }, "cluster-scale-stop"));

        Instant started = Instant.now();
        double loadAtStart = CpuMeter.loadAverage();
        System.err.printf("cluster-scale: %d configurations x %d loads, time scale %s, %s, started %s, load average %.2f%n",
                configs.size(), qpsPerWorker.size(), dilation.factor(), policy, started, loadAtStart);
        List<String> nodeFlags = new ArrayList<>(List.of("--predictor=none", "--policy=" + policy));
        nodeFlags.addAll(dilation.nodeFlags());

        // The yardstick: every run's workload in virtual time on as many simulated engines, placed SLO-aware, with
        // the nodes' own policy and models; no network, no CPU limit. Also gives the expected wall time.
        Simulation.Setup setup = simSetup(policy, data, seed);
        Map<String, RunSummary> sims = new HashMap<>();
        double expectedWallS = 0;
        for (ScaleConfig config : configs) {
            expectedWallS += 30; // cluster formation, warm-up, idle checks (as measured on the 2-core machine)
            for (double q : qpsPerWorker) {
                RunSummary sim = Simulation.runCluster(modelWorkload(config, q, perWorker, seed, data), setup,
                        config.workers(), Placement.sloAware(), false).summary();
                sims.put(config.slug() + "@" + q, sim);
                expectedWallS += sim.durationMs() / 1000.0 * dilation.factor() + 5;
                System.err.printf("cluster-scale: virtual time %s q=%s/worker: goodput %.3f, adherence %.3f, %.1f s%n",
                        config.label(), q, sim.goodput(), sim.adherence(), sim.durationMs() / 1000.0);
            }
        }
        // per setup: formation, the warm-up (WARM_UP_GAP_MS per request per node), the requests 150 ms apart
        expectedWallS += probe > 0 ? probeNodes.size() * (30 + probeWarmup * WARM_UP_GAP_MS / 1000.0 + probe * 0.15) : 0;
        System.err.printf("cluster-scale: expected wall time about %.1f min%n", expectedWallS / 60);
        if (o.containsKey("estimate-only")) {
            return;
        }

        List<ScaleRun> runs = new ArrayList<>();
        for (ScaleConfig config : configs) {
            long t0 = System.nanoTime();
            NodeCluster cluster = NodeCluster.start(launch, clusterName(config.slug()), config.enginesPerNode(),
                    nodeFlags, logs.resolve(config.slug()));
            current.set(cluster);
            try {
                cluster.awaitFormed(Duration.ofSeconds(180));
                double formed = (System.nanoTime() - t0) / 1e9;
                System.err.printf("cluster-scale: %s (%s) formed in %.1f s%n", config.label(), config.split(), formed);
                warmUp(cluster, transport, warmup * config.nodes());
                for (double q : qpsPerWorker) {
                    runs.add(scaleRun(cluster, config, q, perWorker, dilation, transport, seed, data, formed,
                            sims.get(config.slug() + "@" + q)));
                    ScaleRun r = runs.get(runs.size() - 1);
                    System.err.printf("cluster-scale: %s q=%s/worker: goodput %.3f, adherence %.3f, machine CPU %.2f of %d"
                                    + " cores (ours %.2f, others %.2f)%n", config.label(), q, r.summary().goodput(),
                            r.summary().adherence(), r.cpu().machineCores(), r.cpu().cpus(), r.cpu().oursCores(),
                            r.cpu().otherCores());
                    writeRun(out.resolve("runs").resolve(config.slug() + "-q" + fmt(q)), r, transport);
                    // After every run, so that an interrupted experiment keeps what it measured.
                    scaleTable(runs).writeAll(out, "scale");
                    placementTable(runs).writeAll(out, "placement");
                }
            } finally {
                current.set(null);
                cluster.close();
            }
        }
        if (!runs.isEmpty()) {
            charts(out, runs, qpsPerWorker);
            System.out.print(scaleTable(runs).toMarkdown());
        }
        if (probe > 0) {
            ResultTable probeTable = probe(launch, logs, transport, probe, probeNodes, probeWarmup, policy, current);
            probeTable.writeAll(out, "placement-probe");
            System.out.print(probeTable.toMarkdown());
        }
        Instant ended = Instant.now();
        new ResultTable(List.of("what", "value"))
                .add("arguments", String.join(" ", args))
                .add("started", started.toString())
                .add("ended", ended.toString())
                .add("wall_minutes", Duration.between(started, ended).toSeconds() / 60.0)
                .add("load_average_1min_at_start", loadAtStart)
                .add("load_average_1min_at_end", CpuMeter.loadAverage())
                .add("logical_cpus", Runtime.getRuntime().availableProcessors())
                .add("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
                .add("time_scale", dilation.factor())
                .add("node_jvm", String.join(" ", launch.jvmFlags()))
                .writeAll(out, "conditions");
        System.err.printf("cluster-scale: done in %.1f min, load average %.2f; results in %s%n",
                Duration.between(started, ended).toSeconds() / 60.0, CpuMeter.loadAverage(), out.toAbsolutePath());
    }

    /** One load point on a formed cluster. */
    static ScaleRun scaleRun(NodeCluster cluster, ScaleConfig config, double qpsPerWorker, int perWorker,
                             TimeDilation dilation, LiveClient.Transport transport, long seed, DataFiles data, double formed,
                             RunSummary sim) throws Exception {
        List<WorkloadRequest> model = modelWorkload(config, qpsPerWorker, perWorker, seed, data);
        int requests = model.size();
        List<WorkloadRequest> sent = dilation.stretch(model);
        double lastArrivalS = sent.get(sent.size() - 1).arrivalMs() / 1000.0;
        // Room for the longest request (2,048 tokens at a slow TPOT) after the last arrival.
        double bound = lastArrivalS + 240 * dilation.factor();
        Map<Map<String, String>, PromHistogram> before = placement(cluster);
        double failuresBefore = quoteFailures(cluster);
        CpuMeter.Reading cpu0 = CpuMeter.read(cluster.processes());
        LiveClient.Run wall;
        try (LiveClient client = new LiveClient(new LiveClient.Options(cluster.targets(), transport, "llama-3.1-8b",
                bound, 2, true))) {
            wall = client.run(sent);
        }
        CpuMeter.Reading cpu1 = CpuMeter.read(cluster.processes());
        double load = CpuMeter.loadAverage();
        for (NodeCluster.Node n : cluster.nodes()) {
            ServiceState s = ServiceState.awaitIdle(n.target(), 60_000);
            if (!s.idle()) {
                System.err.println("cluster-scale: warning: " + n.id() + " not idle after the run: " + s);
            }
        }
        Map<Map<String, String>, PromHistogram> delta = minus(placement(cluster), before);
        LiveClient.Run run = dilation.toModelTime(wall);
        return new ScaleRun(config, qpsPerWorker, requests, run, RunSummary.of(run.results()), sim,
                CpuMeter.between(cpu0, cpu1), load, formed, quoteFailures(cluster) - failuresBefore, delta);
    }

    /** The ShareGPT workload of one run in the model's time: QPS and requests proportional to the workers. */
    static List<WorkloadRequest> modelWorkload(ScaleConfig config, double qpsPerWorker, int perWorker, long seed,
                                               DataFiles data) {
        return LiveWorkloads.build(Workloads.SHAREGPT, data, qpsPerWorker * config.workers(),
                perWorker * config.workers(), seed);
    }

    /** The virtual-time setup the nodes run: their policy, scheduler settings and models, as Fidelity builds it. */
    static Simulation.Setup simSetup(String policy, DataFiles data, long seed) throws Exception {
        NodeSettings s = NodeSettings.from(ServerConfig.layered(Map.of(), Map.of("predictor", "none", "policy", policy),
                List.of()));
        return new Simulation.Setup(s.guard().policy(), s.guard().scheduler(), s.guard().stepModel(), s.guard().prefillModel(),
                GpuProfile.load(s.worker().kind(), data), seed);
    }

    /** Light requests to every node, so that JIT compilation and first connections are behind us; then idle. */
    static void warmUp(NodeCluster cluster, LiveClient.Transport transport, int count) throws Exception {
        if (count <= 0) {
            return;
        }
        double gapMs = WARM_UP_GAP_MS / cluster.nodes().size();
        List<WorkloadRequest> wl = lightRequests(count, gapMs, 16);
        // bounded by the schedule plus a minute: the client sends nothing after its bound
        try (LiveClient client = new LiveClient(new LiveClient.Options(cluster.targets(), transport, "llama-3.1-8b",
                count * gapMs / 1000 + 60, 1, false))) {
            client.run(wl);
        }
        for (NodeCluster.Node n : cluster.nodes()) {
            ServiceState.awaitIdle(n.target(), 30_000);
        }
    }

    /**
     * {@code count} small requests (32-token prompt, {@code outputTokens} tokens), {@code gapMs} apart, with SLOs so
     * loose that none is rejected: they exercise the request path, not the scheduler's limits.
     */
    static List<WorkloadRequest> lightRequests(int count, double gapMs, int outputTokens) {
        List<WorkloadRequest> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new WorkloadRequest(i, i * gapMs, 32, outputTokens, outputTokens, new Slo(60_000, 1_000), "light",
                    null, OptionalInt.empty()));
        }
        return out;
    }

    /**
     * The focused measurement of what clustering adds per decision: light requests one at a time (each ends long
     * before the next is sent, so no queue forms), first on one node alone, then on a two-node cluster (one worker
     * each) with the requests entering the two nodes in turn. Real time, no dilation: this is about the request
     * path's own cost.
     */
    static ResultTable probe(NodeCluster.Launch launch, Path logs, LiveClient.Transport transport, int requests,
                             List<Integer> nodeCounts, int warmup, String policy, AtomicReference<NodeCluster> current)
            throws Exception {
        ResultTable t = new ResultTable(List.of("setup", "nodes", "scope", "where", "decisions", "mean_ms", "p50_ms",
                "p99_ms", "client_ttft_p50_ms", "client_ttft_mean_ms", "requests", "completed"));
        // Every tie shuffled, so that at this light load the probe sees placements that move as well as ones that stay
        // (by default the entry node wins a tie, and nearly every request would stay).
        List<String> flags = new ArrayList<>(List.of("--predictor=none", "--policy=" + policy,
                "--cluster.prefer-entry-node=false"));
        flags.addAll(TimeDilation.NONE.nodeFlags());
        for (int nodes : nodeCounts) {
            String setup = nodes == 1 ? "one node alone" : nodes + "-node cluster";
            List<Integer> engines = java.util.Collections.nCopies(nodes, 1);
            NodeCluster cluster = NodeCluster.start(launch, clusterName("probe" + nodes), engines, flags,
                    logs.resolve("probe-" + nodes + "n"));
            current.set(cluster);
            try {
                cluster.awaitFormed(Duration.ofSeconds(180));
                warmUp(cluster, transport, warmup * nodes);
                Map<Map<String, String>, PromHistogram> before = placement(cluster);
                Map<Map<String, String>, PromHistogram> tripsBefore = histograms(cluster, ROUND_TRIP);
                // 150 ms apart: a 4-token request takes about 50 ms here, so each finds the system idle.
                List<WorkloadRequest> wl = lightRequests(requests, 150, 4);
                LiveClient.Run run;
                try (LiveClient client = new LiveClient(new LiveClient.Options(cluster.targets(), transport,
                        "llama-3.1-8b", requests * 0.15 + 60, 1, false))) {
                    run = client.run(wl);
                }
                for (NodeCluster.Node n : cluster.nodes()) {
                    ServiceState.awaitIdle(n.target(), 30_000);
                }
                Map<Map<String, String>, PromHistogram> delta = minus(placement(cluster), before);
                // The nodes' own round trips to each other's guards over the same time: the floor of a "remote" row.
                PromHistogram trips = null;
                for (PromHistogram h : minus(histograms(cluster, ROUND_TRIP), tripsBefore).values()) {
                    PromHistogram pooled = new PromHistogram(Map.of(), h.buckets(), h.count(), h.sum()); // every peer
                    trips = trips == null ? pooled : trips.plus(pooled);
                }
                double declined = 0;
                double quoteFailures = 0;
                double misses = 0;
                for (NodeCluster.Node n : cluster.nodes()) {
                    String text = cluster.metrics(n);
                    declined += PromHistogram.sumOf(text, "scorpio_placement_declined_total");
                    quoteFailures += PromHistogram.sumOf(text, QUOTE_FAILURES);
                    misses += PromHistogram.sumOf(text, "scorpio_placement_snapshot_misses_total");
                }
                System.err.printf("cluster-scale: probe %s (counts since the node started): %.0f submissions declined "
                        + "(stale snapshot or draining), %.0f quotes failed, %.0f placements without a node's snapshot%n",
                        setup, declined, quoteFailures, misses);
                RunSummary s = RunSummary.of(run.results());
                for (PromHistogram h : sorted(delta.values())) {
                    if (h.count() > 0) {
                        t.add(setup, nodes, h.labels().get("scope"), h.labels().get("where"), (long) h.count(),
                                h.mean() * 1e3, h.quantile(0.5) * 1e3, h.quantile(0.99) * 1e3, s.ttft().p50(),
                                s.ttft().mean(), run.results().size(), s.all().completed());
                    }
                }
                if (trips != null && trips.count() > 0) {
                    t.add(setup, nodes, "bus round trip", "to another node", (long) trips.count(), trips.mean() * 1e3,
                            trips.quantile(0.5) * 1e3, trips.quantile(0.99) * 1e3, s.ttft().p50(), s.ttft().mean(),
                            run.results().size(), s.all().completed());
                }
            } finally {
                current.set(null);
                cluster.close();
            }
        }
        return t;
    }

    /** Every node's placement histogram series, added up by labels. */
    static Map<Map<String, String>, PromHistogram> placement(NodeCluster cluster) throws Exception {
        return histograms(cluster, PLACEMENT);
    }

    /** Every node's series of histogram {@code name}, added up by labels. */
    static Map<Map<String, String>, PromHistogram> histograms(NodeCluster cluster, String name) throws Exception {
        List<PromHistogram> all = new ArrayList<>();
        for (NodeCluster.Node n : cluster.nodes()) {
            all.addAll(PromHistogram.parse(cluster.metrics(n), name));
        }
        return PromHistogram.sumByLabels(all);
    }

    static double quoteFailures(NodeCluster cluster) throws Exception {
        double sum = 0;
        for (NodeCluster.Node n : cluster.nodes()) {
            sum += PromHistogram.sumOf(cluster.metrics(n), QUOTE_FAILURES);
        }
        return sum;
    }

    /** after - before, series by series; a series first seen after counts from zero. */
    static Map<Map<String, String>, PromHistogram> minus(Map<Map<String, String>, PromHistogram> after,
                                                        Map<Map<String, String>, PromHistogram> before) {
        Map<Map<String, String>, PromHistogram> out = new HashMap<>();
        after.forEach((labels, h) -> out.put(labels, before.containsKey(labels) ? h.minus(before.get(labels)) : h));
        return out;
    }

    /** scope local before cluster, where local before remote. */
    static List<PromHistogram> sorted(Collection<PromHistogram> series) {
        return series.stream().sorted(Comparator
                        .comparing((PromHistogram h) -> h.labels().getOrDefault("scope", "")).reversed()
                        .thenComparing(h -> h.labels().getOrDefault("where", "")))
                .toList();
    }

    static String clusterName(String what) {
        return "scale-" + what + "-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    }

    /** Goodput relative to linear scaling: goodput / (workers x the 1-worker, 1-node goodput at the same QPS). */
    static double efficiency(ScaleRun r, List<ScaleRun> all) {
        return all.stream().filter(b -> b.config().workers() == 1 && b.config().nodes() == 1
                        && b.qpsPerWorker() == r.qpsPerWorker())
                .findFirst().map(b -> b.summary().goodput() > 0
                        ? r.summary().goodput() / (r.config().workers() * b.summary().goodput()) : Double.NaN)
                .orElse(Double.NaN);
    }

    /** The same in virtual time: how far from linear the workloads themselves are, with no network at all. */
    static double simEfficiency(ScaleRun r, List<ScaleRun> all) {
        return all.stream().filter(b -> b.config().workers() == 1 && b.qpsPerWorker() == r.qpsPerWorker())
                .findFirst().map(b -> b.sim().goodput() > 0
                        ? r.sim().goodput() / (r.config().workers() * b.sim().goodput()) : Double.NaN)
                .orElse(Double.NaN);
    }

    static ResultTable scaleTable(List<ScaleRun> runs) {
        ResultTable t = new ResultTable(List.of("config", "workers", "nodes", "engines", "qps_per_worker", "qps",
                "requests", "goodput", "adherence", "efficiency", "sim_goodput", "sim_adherence", "sim_efficiency", "live_vs_sim",
                "ttft_violations", "tpot_violations", "rejections",
                "completed", "aborted", "failed", "not_sent", "ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms",
                "duration_s", "cpu_machine", "cpu_ours", "cpu_others", "load1", "quote_failures", "formed_s"));
        for (ScaleRun r : runs) {
            RunSummary s = r.summary();
            t.add(r.config().label(), r.config().workers(), r.config().nodes(), r.config().split(), r.qpsPerWorker(),
                    r.qpsPerWorker() * r.config().workers(), r.requests(), s.goodput(), s.adherence(), efficiency(r, runs),
                    r.sim().goodput(), r.sim().adherence(), simEfficiency(r, runs), r.sim().goodput() > 0 ? s.goodput() / r.sim().goodput()
                            : Double.NaN,
                    s.all().ttftViolations(), s.all().tpotViolations(), s.all().rejected(), s.all().completed(),
                    s.all().aborted(), s.all().failed(), r.run().notSent(), s.ttft().p50(), s.ttft().p99(),
                    s.tpot().p50(), s.tpot().p99(), s.durationMs() / 1000.0, r.cpu().machineCores(),
                    r.cpu().oursCores(), r.cpu().otherCores(), r.loadAverage(), (long) r.quoteFailures(),
                    r.formedSeconds());
        }
        return t;
    }

    static ResultTable placementTable(List<ScaleRun> runs) {
        ResultTable t = new ResultTable(List.of("config", "qps_per_worker", "scope", "where", "decisions", "share",
                "mean_ms", "p50_ms", "p99_ms"));
        for (ScaleRun r : runs) {
            double total = r.placement().values().stream().mapToDouble(PromHistogram::count).sum();
            for (PromHistogram h : sorted(r.placement().values())) {
                if (h.count() > 0) {
                    t.add(r.config().label(), r.qpsPerWorker(), h.labels().get("scope"), h.labels().get("where"),
                            (long) h.count(), h.count() / total, h.mean() * 1e3, h.quantile(0.5) * 1e3,
                            h.quantile(0.99) * 1e3);
                }
            }
        }
        return t;
    }

    /**
     * Per QPS: goodput against workers, one line per node count, the virtual-time yardstick, and the linear line
     * from the 1-worker run.
     */
    static void charts(Path out, List<ScaleRun> runs, List<Double> qpsPerWorker) throws Exception {
        for (double q : qpsPerWorker) {
            List<Charts.Series> series = new ArrayList<>();
            for (int nodes = 1; nodes <= 3; nodes++) {
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (ScaleRun r : runs) {
                    if (r.qpsPerWorker() == q && r.config().nodes() == nodes) {
                        x.add((double) r.config().workers());
                        y.add(r.summary().goodput());
                    }
                }
                series.add(new Charts.Series(nodes + (nodes == 1 ? " node" : " nodes"), x, y));
            }
            // Virtual time, one point per worker count (the node count makes no difference there).
            Map<Integer, Double> sim = new TreeMap<>();
            runs.stream().filter(r -> r.qpsPerWorker() == q)
                    .forEach(r -> sim.putIfAbsent(r.config().workers(), r.sim().goodput()));
            series.add(new Charts.Series("virtual time (no network)",
                    sim.keySet().stream().map(Integer::doubleValue).toList(), List.copyOf(sim.values())));
            runs.stream().filter(r -> r.qpsPerWorker() == q && r.config().workers() == 1 && r.config().nodes() == 1)
                    .findFirst().ifPresent(base -> series.add(new Charts.Series("linear (workers x 1w/1n)",
                            List.of(1.0, 2.0, 4.0), List.of(1.0, 2.0, 4.0).stream()
                            .map(w -> w * base.summary().goodput()).toList())));
            Charts.linePng(out.resolve("goodput-qps" + fmt(q) + "-per-worker.png"),
                    "Goodput vs workers, ShareGPT at " + fmt(q) + " req/s per worker", "workers", "goodput (req/s)",
                    series);
        }
    }

    /** The run's own report: summary.{csv,json,md} and requests.csv (model time). */
    static void writeRun(Path dir, ScaleRun r, LiveClient.Transport transport) throws Exception {
        String label = "sharegpt@" + fmt(r.qpsPerWorker()) + "/worker " + r.config().label();
        LiveReport.writeCompact(dir, label, transport.name().toLowerCase(), r.qpsPerWorker() * r.config().workers(),
                r.run());
    }

    static String fmt(double q) {
        return q == Math.rint(q) ? Long.toString((long) q) : Double.toString(q);
    }
}
