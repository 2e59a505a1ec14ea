package io.scorpio.live;

import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.ProgressBar;
import io.scorpio.experiments.report.ResultTable;
import io.scorpio.experiments.runner.Simulation;
import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.model.DataFiles;
import io.scorpio.server.ScorpioNode;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fidelity (issue 7, part 2): one workload through a live node (the calibrated simulated GPU in real time) and
 * through the virtual-time runner with the node's own policy, scheduler settings and step/prefill models, so that
 * the only differences left are the live system's: real timers, the network, the event bus, and the worker's noise
 * stream. Both sides run without an output-length predictor ({@code predictor=none} and max_tokens = the true
 * output length, which is what the scheduler then assumes), so prediction is identical by construction.
 *
 * <pre>
 * java -cp load-tests/live/target/scorpio-live.jar io.scorpio.live.Fidelity --qps 8,14 --requests 512 --out target/fidelity
 * </pre>
 */
public final class Fidelity {

    private Fidelity() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = LiveLoad.parse(args);
        String policy = o.getOrDefault("policy", "scorpio");
        int requests = Integer.parseInt(o.getOrDefault("requests", "512"));
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        double maxSeconds = Double.parseDouble(o.getOrDefault("max-seconds", "600"));
        Path out = Path.of(o.getOrDefault("out", "target/fidelity"));
        List<LiveClient.Transport> transports = new ArrayList<>();
        for (String t : o.getOrDefault("transport", "sse").split(",")) {
            transports.add(LiveClient.Transport.valueOf(t.trim().toUpperCase()));
        }
        List<Double> qpss = new ArrayList<>();
        for (String q : o.getOrDefault("qps", "8,14").split(",")) {
            qpss.add(Double.parseDouble(q.trim()));
        }
        Workloads workload = Workloads.named(o.getOrDefault("workload", "sharegpt"));
        DataFiles data = DataFiles.resolve();

        ResultTable table = new ResultTable(List.of("qps", "transport", "requests", "live_goodput", "sim_goodput",
                "goodput_diff_pct", "live_adherence", "sim_adherence", "adherence_diff_pct", "live_rejections",
                "sim_rejections", "live_ttft_violations", "sim_ttft_violations", "live_tpot_violations",
                "sim_tpot_violations", "live_ttft_p50_ms", "sim_ttft_p50_ms", "live_tpot_p50_ms", "sim_tpot_p50_ms",
                "live_failed_or_aborted"));
        ServerConfig config = ServerConfig.layered(Map.of(), Map.of("http.port", "0", "predictor", "none",
                "hazelcast.mode", "none", "policy", policy), List.of());
        try (ScorpioNode node = ScorpioNode.start(config)) {
            NodeSettings s = node.settings();
            Simulation.Setup setup = new Simulation.Setup(s.guard().policy(), s.guard().scheduler(), s.guard().stepModel(),
                    s.guard().prefillModel(), GpuProfile.load(s.worker().kind(), data), seed);
            Loopback target = new Loopback("127.0.0.1", node.port());
            for (double qps : qpss) {
                List<WorkloadRequest> wl = LiveWorkloads.build(workload, data, qps, requests, seed);
                RunSummary sim = Simulation.run(wl, setup).summary();
                for (LiveClient.Transport transport : transports) {
                    LiveClient.Run run;
                    try (LiveClient client = new LiveClient(new LiveClient.Options(target, transport, s.requests().modelName(),
                            maxSeconds, 4, true))) {
                        run = client.run(wl);
                    }
                    LiveReport.write(out.resolve(String.format("live-%s-qps%s", transport.name().toLowerCase(), qps)),
                            workload.label() + "@" + qps, transport.name().toLowerCase(), qps, run);
                    RunSummary live = RunSummary.of(run.results());
                    table.add(qps, transport.name().toLowerCase(), wl.size(), live.goodput(), sim.goodput(),
                            pct(live.goodput(), sim.goodput()), live.adherence(), sim.adherence(),
                            pct(live.adherence(), sim.adherence()), live.all().rejected(), sim.all().rejected(),
                            live.all().ttftViolations(), sim.all().ttftViolations(), live.all().tpotViolations(),
                            sim.all().tpotViolations(), live.ttft().p50(), sim.ttft().p50(), live.tpot().p50(),
                            sim.tpot().p50(), live.all().aborted() + live.all().failed() + run.notSent());
                    ServiceState idle = ServiceState.awaitIdle(target, 30_000);
                    if (!idle.idle()) {
                        System.err.println("warning: node not idle after the run: " + idle);
                    }
                }
            }
        }
        table.writeAll(out, "fidelity");
        System.out.print(table.toMarkdown());
    }

    /** (live - sim) / sim in percent; NaN when sim is 0. */
    static double pct(double live, double sim) {
        return sim == 0 ? Double.NaN : 100.0 * (live - sim) / sim;
    }
}
