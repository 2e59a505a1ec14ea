package io.scorpio.live;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.Charts;
import io.scorpio.experiments.report.ResultTable;
import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.DataFiles;
import io.scorpio.server.ScorpioNode;
import io.scorpio.server.config.ServerConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The soak (issue 7, part 4): a node and the live client in one JVM under a fixed heap ({@code -Xmx}), ShareGPT
 * Poisson arrivals at a rate just above the scorpio policy's capacity (about 6 req/s of goodput on the calibrated
 * simulated A100, docs/experiments.md) for a fixed time. Every {@code sample} seconds it records the heap in use
 * after the last GC (no forced GC, so the run is not disturbed) and what the node holds live; afterwards, SLO
 * adherence per window of arrivals, and whether the node went back to holding nothing.
 *
 * <pre>
 * java -Xmx512m -cp load-tests/live/target/scorpio-live.jar io.scorpio.live.Soak --minutes 30 --qps 8 --out target/soak
 * </pre>
 */
public final class Soak {

    /** One sample of the node while the load runs. */
    public record Sample(double seconds, double heapAfterGcMib, double heapUsedMib, double liveSetMib, int live,
                         int openStreams) {
    }

    /** The soak's outcome. */
    public record Result(LiveClient.Run run, List<Sample> samples, ServiceState after, ResultTable windows) {
    }

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = LiveLoad.parse(args);
        double minutes = Double.parseDouble(o.getOrDefault("minutes", "30"));
        double qps = Double.parseDouble(o.getOrDefault("qps", "8"));
        Path out = Path.of(o.getOrDefault("out", "target/soak"));
        Result r = run(minutes * 60, qps, Double.parseDouble(o.getOrDefault("sample", "10")),
                Double.parseDouble(o.getOrDefault("window", "60")), LiveClient.Transport.valueOf(
                        o.getOrDefault("transport", "sse").toUpperCase()), out, true);
        System.out.print(r.windows().toMarkdown());
        System.out.println("after the run: " + r.after() + (r.after().idle() ? " (nothing leaked)" : " LEAK"));
    }

    public static Result run(double seconds, double qps, double sampleSeconds, double windowSeconds,
                             LiveClient.Transport transport, Path out, boolean progress) throws Exception {
        int requests = (int) Math.ceil(seconds * qps);
        List<WorkloadRequest> wl = new ArrayList<>(LiveWorkloads.build(Workloads.SHAREGPT, DataFiles.resolve(),
                qps, requests, 11));
        wl.removeIf(w -> w.arrivalMs() > seconds * 1000);
        ServerConfig config = ServerConfig.layered(Map.of(), Map.of("http.port", "0", "predictor", "none",
                "hazelcast.mode", "none"), List.of());
        List<Sample> samples = new ArrayList<>();
        LiveClient.Run run;
        ServiceState after;
        try (ScorpioNode node = ScorpioNode.start(config)) {
            Loopback target = new Loopback("127.0.0.1", node.port());
            // The bound: the arrivals plus time for the last admitted requests to finish.
            double bound = seconds + 120;
            CompletableFuture<LiveClient.Run> running = CompletableFuture.supplyAsync(() -> {
                try (LiveClient client = new LiveClient(new LiveClient.Options(target, transport, "llama-3.1-8b",
                        bound, 4, progress))) {
                    return client.run(wl);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            while (!running.isDone()) {
                try {
                    running.get((long) (sampleSeconds * 1000), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    ServiceState s = ServiceState.fetch(target);
                    // Every sixth sample a full GC gives the live set (one short pause a minute at the defaults):
                    // G1's "after GC" figure alone moves only when a mixed cycle happens to run.
                    double liveSet = samples.size() % 6 == 5 ? liveSetMib() : Double.NaN;
                    samples.add(new Sample((System.nanoTime() - start) / 1e9, heapAfterGcMib(), heapUsedMib(),
                            liveSet, s.live(), s.openStreams()));
                }
            }
            run = running.get();
            after = ServiceState.awaitIdle(target, 30_000);
        }
        ResultTable windows = windows(run.results(), samples, windowSeconds);
        ResultTable sampleTable = new ResultTable(List.of("seconds", "heap_after_gc_mib", "heap_used_mib",
                "live_set_mib", "live", "open_streams"));
        samples.forEach(s -> sampleTable.add(s.seconds(), s.heapAfterGcMib(), s.heapUsedMib(), s.liveSetMib(),
                s.live(), s.openStreams()));
        if (out != null) {
            LiveReport.write(out, "soak sharegpt@" + qps, transport.name().toLowerCase(), qps, run);
            windows.writeAll(out, "windows");
            sampleTable.writeAll(out, "samples");
            Charts.linePng(out.resolve("heap.png"), "Heap after GC during the soak", "time (s)", "MiB",
                    List.of(new Charts.Series("heap after GC", samples.stream().map(Sample::seconds).toList(),
                            samples.stream().map(Sample::heapAfterGcMib).toList()),
                            new Charts.Series("live set (after full GC)", samples.stream()
                                    .filter(x -> !Double.isNaN(x.liveSetMib())).map(Sample::seconds).toList(),
                                    samples.stream().map(Sample::liveSetMib).filter(d -> !Double.isNaN(d)).toList())));
        }
        return new Result(run, List.copyOf(samples), after, windows);
    }

    /** Adherence and goodput of the requests that arrived in each window, with the heap at the window's end. */
    static ResultTable windows(List<RequestResult> results, List<Sample> samples, double windowSeconds) {
        ResultTable t = new ResultTable(List.of("window_start_s", "requests", "adherence", "goodput", "rejections",
                "ttft_violations", "tpot_violations", "aborted_or_failed", "heap_after_gc_mib"));
        double last = results.stream().mapToDouble(RequestResult::arrivalMs).max().orElse(0) / 1000;
        for (double w = 0; w <= last; w += windowSeconds) {
            double lo = w * 1000;
            double hi = (w + windowSeconds) * 1000;
            List<RequestResult> in = results.stream().filter(r -> r.arrivalMs() >= lo && r.arrivalMs() < hi).toList();
            if (in.isEmpty()) {
                continue;
            }
            RunSummary s = RunSummary.of(in);
            double end = w + windowSeconds;
            double heap = samples.stream().filter(x -> x.seconds() <= end).mapToDouble(Sample::heapAfterGcMib)
                    .reduce((a, b) -> b).orElse(Double.NaN);
            t.add(w, in.size(), s.adherence(), s.all().compliant() / windowSeconds, s.all().rejected(),
                    s.all().ttftViolations(), s.all().tpotViolations(), s.all().aborted() + s.all().failed(), heap);
        }
        return t;
    }

    /** Heap in use right after the last collection, summed over the heap pools (MiB); NaN before any GC. */
    static double heapAfterGcMib() {
        long sum = 0;
        boolean any = false;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null) {
                sum += p.getCollectionUsage().getUsed();
                any = true;
            }
        }
        return any ? sum / 1048576.0 : Double.NaN;
    }

    static double liveSetMib() {
        System.gc();
        return heapUsedMib();
    }

    static double heapUsedMib() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
    }
}
