package io.scorpio.live;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.ResultTable;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.Slo;
import io.scorpio.server.ScorpioNode;
import io.scorpio.server.config.ServerConfig;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's cost (issue 7, part 3): N concurrent streams through the full Scorpio node against the same N
 * streams from {@link DirectServer}, both producing one token per stream every {@code stepMs} (the node runs the
 * noise-free {@code model-sim} worker with a constant step time of {@code stepMs}, policy {@code vllm} so that
 * nothing is rejected or held back), read by the same live client over SSE and over WebSocket, all in one JVM
 * and one run. Reported per (transport, N): delivered tokens per second, the client-side inter-token gap at p50
 * and p99, and the gateway's ratios and added milliseconds over the direct baseline; then, in a separate phase
 * so that its forced GCs do not disturb the latency figures, heap per open stream.
 *
 * <pre>
 * java -Xmx2g -cp load-tests/live/target/scorpio-live.jar io.scorpio.live.GatewayBench --streams 10,100,1000 \
 *     --tokens 200 --step-ms 20 --repeat 3 --out target/gateway
 * </pre>
 */
public final class GatewayBench {

    /**
     * The heap phase aborts a thousand streams at once; the engine's tokens already in flight to them are then
     * dropped by the event bus with a warning each. Expected here, so kept out of the output (a strong reference,
     * or the logger and its level could be collected).
     */
    private static final java.util.logging.Logger BUS_LOG = java.util.logging.Logger.getLogger("io.vertx.core.eventbus");

    private GatewayBench() {
    }

    /** One measured configuration. */
    record Point(double tokensPerSecond, double gapP50, double gapP99, double ttftP50, int completed, int streams) {

        /** Each figure's median over the runs (the completed count: the fewest). */
        static Point median(List<Point> runs) {
            return new Point(med(runs, Point::tokensPerSecond), med(runs, Point::gapP50), med(runs, Point::gapP99),
                    med(runs, Point::ttftP50), runs.stream().mapToInt(Point::completed).min().orElse(0),
                    runs.get(0).streams());
        }

        private static double med(List<Point> runs, java.util.function.ToDoubleFunction<Point> f) {
            double[] v = runs.stream().mapToDouble(f).sorted().toArray();
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = LiveLoad.parse(args);
        BUS_LOG.setLevel(java.util.logging.Level.SEVERE);
        List<Integer> counts = new ArrayList<>();
        for (String s : o.getOrDefault("streams", "10,100,1000").split(",")) {
            counts.add(Integer.parseInt(s.trim()));
        }
        int tokens = Integer.parseInt(o.getOrDefault("tokens", "200"));
        double stepMs = Double.parseDouble(o.getOrDefault("step-ms", "20"));
        boolean memory = !o.getOrDefault("memory", "true").equals("false");
        // Each point measured this many times, direct and gateway alternating; the medians are reported. On a
        // machine whose cores the client and both servers saturate (1,000 SSE streams on 2 cores), one pair of
        // runs can differ by a factor of two either way.
        int repeat = Integer.parseInt(o.getOrDefault("repeat", "1"));
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat must be at least 1");
        }
        Path out = Path.of(o.getOrDefault("out", "target/gateway"));
        int maxStreams = counts.stream().mapToInt(Integer::intValue).max().orElse(10);
        if (maxStreams > 5000 || tokens > 8000) {
            throw new IllegalArgumentException("at most 5000 streams and 8000 tokens per stream");
        }

        ResultTable table = new ResultTable(List.of("transport", "streams", "direct_tokens_per_s",
                "gateway_tokens_per_s", "tokens_per_s_ratio", "direct_gap_p50_ms", "gateway_gap_p50_ms",
                "added_p50_ms", "direct_gap_p99_ms", "gateway_gap_p99_ms", "added_p99_ms", "gap_p50_ratio",
                "gap_p99_ratio", "direct_ttft_p50_ms", "gateway_ttft_p50_ms", "completed_direct", "completed_gateway"));
        // The short table the docs quote (one row per point, the ratio readable from the first two numbers).
        ResultTable summary = new ResultTable(List.of("transport", "streams", "direct_tok_s", "gateway_tok_s",
                "added_p50_ms", "added_p99_ms"));
        ResultTable mem = new ResultTable(List.of("transport", "streams", "direct_kib_per_stream",
                "gateway_kib_per_stream", "gateway_minus_direct_kib_per_stream"));
        Vertx directVertx = Vertx.vertx();
        ServerConfig config = ServerConfig.layered(Map.of(), Map.ofEntries(Map.entry("http.port", "0"),
                Map.entry("predictor", "none"), Map.entry("hazelcast.mode", "none"), Map.entry("policy", "vllm"),
                Map.entry("worker", "model-sim"), Map.entry("model.step.a", "0"), Map.entry("model.step.b", "0"),
                Map.entry("model.step.c", "0"), Map.entry("model.step.d", Double.toString(stepMs)),
                Map.entry("model.prefill.theta", "4096"), Map.entry("model.prefill.c", Double.toString(stepMs)),
                Map.entry("scheduler.max-num-seqs", Integer.toString(Math.max(256, maxStreams))),
                Map.entry("scheduler.max-num-batched-tokens", Integer.toString(Math.max(1024, maxStreams))),
                Map.entry("scheduler.kv-blocks", "400000"),
                // Every stream comes from one client address, and over WebSocket 100 streams share a socket: the
                // node's caps against hostile clients would turn most of them away (this measures the gateway's cost).
                Map.entry("http.max-connections-per-client", Integer.toString(Math.max(256, 2 * maxStreams))),
                Map.entry("http.max-connections", Integer.toString(Math.max(4096, 2 * maxStreams))),
                Map.entry("ws.max-requests", Integer.toString(Math.max(64, maxStreams)))), List.of());
        try (ScorpioNode node = ScorpioNode.start(config)) {
            DirectServer direct = DirectServer.deploy(directVertx, stepMs);
            Loopback gatewayTarget = new Loopback("127.0.0.1", node.port());
            Loopback directTarget = new Loopback("127.0.0.1", direct.port());
            for (LiveClient.Transport transport : LiveClient.Transport.values()) {
                // Warm both paths up (JIT, connection setup code) before anything is measured.
                measure(directTarget, transport, Math.min(100, maxStreams), 50, stepMs);
                measure(gatewayTarget, transport, Math.min(100, maxStreams), 50, stepMs);
                for (int n : counts) {
                    List<Point> ds = new ArrayList<>();
                    List<Point> gs = new ArrayList<>();
                    for (int i = 0; i < repeat; i++) {
                        ds.add(measure(directTarget, transport, n, tokens, stepMs));
                        gs.add(measure(gatewayTarget, transport, n, tokens, stepMs));
                    }
                    Point d = Point.median(ds);
                    Point g = Point.median(gs);
                    if (d.completed() < n || g.completed() < n) {
                        // Streams that never completed (refused, cut) make tokens/s meaningless: say so, loudly.
                        throw new IllegalStateException(transport + " " + n + ": only " + d.completed() + " direct and "
                                + g.completed() + " gateway streams of " + n + " completed; see the node's log");
                    }
                    table.add(transport.name().toLowerCase(), n, d.tokensPerSecond(), g.tokensPerSecond(),
                            g.tokensPerSecond() / d.tokensPerSecond(), d.gapP50(), g.gapP50(), g.gapP50() - d.gapP50(),
                            d.gapP99(), g.gapP99(), g.gapP99() - d.gapP99(), g.gapP50() / d.gapP50(),
                            g.gapP99() / d.gapP99(), d.ttftP50(), g.ttftP50(), d.completed(), g.completed());
                    summary.add(transport.name().toLowerCase(), n, d.tokensPerSecond(), g.tokensPerSecond(),
                            g.gapP50() - d.gapP50(), g.gapP99() - d.gapP99());
                    System.err.printf("%s %d: direct %.0f tok/s gap p50 %.2f p99 %.2f | gateway %.0f tok/s gap p50 %.2f p99 %.2f%n",
                            transport, n, d.tokensPerSecond(), d.gapP50(), d.gapP99(), g.tokensPerSecond(), g.gapP50(),
                            g.gapP99());
                }
                if (memory) {
                    int n = maxStreams;
                    double dk = heapPerStream(directTarget, transport, n, stepMs);
                    double gk = heapPerStream(gatewayTarget, transport, n, stepMs);
                    mem.add(transport.name().toLowerCase(), n, dk, gk, gk - dk);
                }
                ServiceState.awaitIdle(gatewayTarget, 30_000);
            }
        } finally {
            directVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        table.writeAll(out, "gateway");
        summary.writeAll(out, "summary");
        System.out.print(table.toMarkdown());
        if (memory) {
            mem.writeAll(out, "memory");
            System.out.print(mem.toMarkdown());
        }
    }

    /** N streams of {@code tokens} tokens each, all sent at once. */
    static List<WorkloadRequest> streams(int n, int tokens) {
        Slo generous = new Slo(600_000, 60_000);
        List<WorkloadRequest> wl = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            wl.add(new WorkloadRequest(i, 0, 1, tokens, tokens, generous, "bench", null, OptionalInt.empty()));
        }
        return wl;
    }

    static Point measure(Loopback target, LiveClient.Transport transport, int n, int tokens, double stepMs)
            throws Exception {
        GapHistogram gaps = new GapHistogram();
        double bound = 60 + 3.0 * tokens * stepMs / 1000;
        LiveClient.Run run;
        try (LiveClient client = new LiveClient(new LiveClient.Options(target, transport, "llama-3.1-8b", bound,
                Math.min(n, 10), false, gaps))) {
            run = client.run(streams(n, tokens));
        }
        RunSummary s = RunSummary.of(run.results());
        long delivered = run.results().stream().mapToLong(RequestResult::outputTokens).sum();
        return new Point(delivered / (s.durationMs() / 1000.0), gaps.quantile(0.50), gaps.quantile(0.99),
                s.ttft().p50(), s.all().completed(), n);
    }

    /**
     * Heap per open stream: used heap after a full GC with n long streams open, minus the same before, over n.
     * Client and server share the JVM, so each figure includes the client's per-stream state; the difference
     * between gateway and direct is the gateway's own cost.
     */
    static double heapPerStream(Loopback target, LiveClient.Transport transport, int n, double stepMs)
            throws Exception {
        long before = usedAfterGc();
        long[] during = new long[1];
        // Streams long enough to stay open; the sampler measures at 3 s and the 4 s bound aborts them all.
        Thread sampler = new Thread(() -> {
            try {
                Thread.sleep(3000);
                during[0] = usedAfterGc();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "heap-sampler");
        int tokens = (int) Math.min(8000, Math.max(1000, 30_000 / stepMs));
        try (LiveClient client = new LiveClient(new LiveClient.Options(target, transport, "llama-3.1-8b", 4,
                Math.min(n, 10), false))) {
            sampler.start();
            client.run(streams(n, tokens));
        }
        sampler.join();
        Thread.sleep(1000); // let the server finish the aborts before the next phase
        return (during[0] - before) / 1024.0 / n;
    }

    static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
