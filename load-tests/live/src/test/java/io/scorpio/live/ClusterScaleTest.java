package io.scorpio.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.Slo;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The scale experiment's own logic: the configuration matrix, the time dilation, round robin over nodes, CPU. */
@Tag("slow") // node JVMs: left out of the fast run (-DexcludedGroups=slow)
class ClusterScaleTest {

    @Test
    void theDefaultMatrixSplitsWorkersOverNodesLargestFirst() {
        List<ScaleConfig> m = ScaleConfig.parseAll(ScaleConfig.DEFAULT_MATRIX);
        assertEquals(List.of("1w/1n", "2w/1n", "2w/2n", "4w/1n", "4w/2n", "4w/3n"),
                m.stream().map(ScaleConfig::label).toList());
        assertEquals(List.of("1", "2", "1+1", "4", "2+2", "2+1+1"), m.stream().map(ScaleConfig::split).toList());
        assertEquals(List.of(2, 1, 1), ScaleConfig.parse("4/3").enginesPerNode());
        assertEquals(List.of(3, 2, 2), ScaleConfig.parse("7/3").enginesPerNode());
    }

    @Test
    void aNodeWithoutAWorkerIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ScaleConfig.parse("1/2"));
        assertThrows(IllegalArgumentException.class, () -> ScaleConfig.parse("4"));
        assertThrows(IllegalArgumentException.class, () -> ScaleConfig.parseAll(" , "));
    }

    @Test
    void dilatedNodeFlagsAreValidSettingsScaledFromTheDefaults() {
        TimeDilation d = new TimeDilation(2);
        NodeSettings base = NodeSettings.from(ServerConfig.defaults());
        NodeSettings slow = NodeSettings.from(ServerConfig.fromProcess(d.nodeFlags().toArray(String[]::new)));
        assertEquals(2.0, slow.worker().timeScale());
        assertEquals(2 * base.guard().stepModel().d(), slow.guard().stepModel().d(), 1e-9);
        assertEquals(2 * base.guard().stepModel().a(), slow.guard().stepModel().a(), 1e-12);
        assertEquals(2 * base.guard().prefillModel().alpha(), slow.guard().prefillModel().alpha(), 1e-12);
        assertEquals(base.guard().prefillModel().theta(), slow.guard().prefillModel().theta()); // tokens, not time
        assertEquals(2 * base.guard().scheduler().rejectionMarginMs(), slow.guard().scheduler().rejectionMarginMs(), 1e-9);
        assertEquals(2 * base.guard().idlePollMs(), slow.guard().idlePollMs());
        assertEquals(List.of("--worker.time-scale=1.0"), TimeDilation.NONE.nodeFlags());
        assertThrows(IllegalArgumentException.class, () -> new TimeDilation(0.5));
    }

    @Test
    void stretchingAndBackToModelTimeKeepCompliance() {
        TimeDilation d = new TimeDilation(2);
        WorkloadRequest w = new WorkloadRequest(3, 100, 10, 5, 5, new Slo(500, 30), "1", null, OptionalInt.empty());
        WorkloadRequest sent = d.stretch(List.of(w)).get(0);
        assertEquals(200, sent.arrivalMs());
        assertEquals(new Slo(1000, 60), sent.slo());
        // Measured in wall time against the stretched SLO: TTFT 900 <= 1000, TPOT (1140 - 900) / 4 = 60 <= 60.
        RequestResult wall = RequestResult.completed(3, "1", sent.slo(), 200, 1100, 1340, 5);
        LiveClient.Run model = d.toModelTime(new LiveClient.Run(List.of(wall), 0, 10));
        RequestResult r = model.results().get(0);
        assertEquals(new Slo(500, 30), r.slo());
        assertEquals(450, r.ttftMs(), 1e-9);
        assertEquals(30, r.tpotMs(), 1e-9);
        assertEquals(wall.compliant(), r.compliant());
        assertEquals(5, model.wallSeconds(), 1e-9);
    }

    @Test
    void requestsGoToTheNodesRoundRobin() {
        List<Loopback> nodes = Loopback.parseAll("http://127.0.0.1:9001,http://127.0.0.1:9002, http://localhost:9003");
        LiveClient.Options o = new LiveClient.Options(nodes, LiveClient.Transport.SSE, "m", 10, 1, false);
        List<Integer> ports = new ArrayList<>();
        for (int id = 0; id < 6; id++) {
            ports.add(o.targetFor(id).port());
        }
        assertEquals(List.of(9001, 9002, 9003, 9001, 9002, 9003), ports);
        assertThrows(IllegalArgumentException.class, () -> Loopback.parseAll("http://127.0.0.1:1,http://10.0.0.1:2"));
    }

    @Test
    void cpuLineBusyTimeCountsStealButNotIdleOrIowait() {
        long[] v = CpuMeter.parseCpuLine("cpu  100 5 20 1000 7 1 2 3 0 0");
        assertEquals(100 + 5 + 20 + 1 + 2 + 3, v[0]);
        assertEquals(v[0] + 1000 + 7, v[1]);
    }
}
