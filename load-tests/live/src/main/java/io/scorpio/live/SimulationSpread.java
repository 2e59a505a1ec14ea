package io.scorpio.live;

import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.ResultTable;
import io.scorpio.experiments.runner.Simulation;
import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.model.DataFiles;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How far the virtual-time runner moves by itself when only the simulated GPU's noise stream changes: the yardstick
 * for the fidelity comparison (the live worker draws its noise from another seed). Same workload and setup as
 * {@link Fidelity}; one row per (QPS, noise seed).
 *
 * <pre>
 * java -cp load-tests/live/target/scorpio-live.jar io.scorpio.live.SimulationSpread --qps 8,14 --seeds 10
 * </pre>
 */
public final class SimulationSpread {

    private SimulationSpread() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = LiveLoad.parse(args);
        int seeds = Integer.parseInt(o.getOrDefault("seeds", "10"));
        int requests = Integer.parseInt(o.getOrDefault("requests", "512"));
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        Path out = Path.of(o.getOrDefault("out", "target/fidelity"));
        DataFiles data = DataFiles.resolve();
        NodeSettings s = NodeSettings.from(ServerConfig.layered(Map.of(), Map.of("predictor", "none", "policy",
                o.getOrDefault("policy", "scorpio")), List.of()));
        GpuProfile gpu = GpuProfile.load(s.worker().kind(), data);
        ResultTable table = new ResultTable(List.of("qps", "noise_seed", "goodput", "adherence", "rejections",
                "ttft_violations", "tpot_violations"));
        for (String q : o.getOrDefault("qps", "8,14").split(",")) {
            double qps = Double.parseDouble(q.trim());
            List<WorkloadRequest> wl = LiveWorkloads.build(Workloads.SHAREGPT, data, qps, requests, seed);
            for (int i = 0; i < seeds; i++) {
                RunSummary r = Simulation.run(wl, new Simulation.Setup(s.guard().policy(), s.guard().scheduler(),
                        s.guard().stepModel(), s.guard().prefillModel(), gpu, seed + 1000L * i)).summary();
                table.add(qps, seed + 1000L * i, r.goodput(), r.adherence(), r.all().rejected(),
                        r.all().ttftViolations(), r.all().tpotViolations());
            }
        }
        table.writeAll(out, "simulation-spread");
        System.out.print(table.toMarkdown());
    }
}
