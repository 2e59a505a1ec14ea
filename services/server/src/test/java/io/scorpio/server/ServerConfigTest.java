package io.scorpio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.SloClass;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreThePapersSetup() {
        NodeSettings s = NodeSettings.from(ServerConfig.defaults());
        assertEquals(8080, s.httpPort());
        assertEquals("scorpio", s.policy().name());
        assertEquals("llama-3.1-8b-a100", s.worker());
        assertEquals("embedded", s.hazelcastMode());
        assertEquals("onnx", s.predictor());
        assertEquals(ServerConfig.DEFAULT_SLO_CLASSES, NodeSettings.paperClasses());
        for (SloClass c : SloClass.LLAMA_3_1_8B) {
            assertEquals(c.slo(), s.sloClasses().get(c.name()));
        }
        assertTrue(s.effectivePolicy().credits());
        assertEquals(io.scorpio.core.policy.GuardOptions.NONE, s.guardOptions(), "the paper's guard unless asked");
        assertEquals("slo-aware", s.placement());
    }

    @Test
    void guardOptionsBeyondThePaperAreSwitchedOnByFlags() {
        NodeSettings s = NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--guard.prefill-aware-credits=true", "--guard.best-effort=on", "--guard.placement=least-loaded")));
        assertTrue(s.guardOptions().prefillAwareCredits());
        assertTrue(s.guardOptions().bestEffort());
        assertFalse(s.guardOptions().lowLoadFallback());
        assertEquals("least-loaded", s.placement());
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--guard.best-effort=maybe"))));
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--guard.placement=random"))));
    }

    @Test
    void layersOverrideInOrder() throws Exception {
        Path file = dir.resolve("scorpio.json");
        Files.writeString(file, "{\"http\": {\"port\": 9001, \"host\": \"127.0.0.2\"}, \"policy\": \"vllm\", \"engines\": 2,"
                + " \"slo.classes\": {\"fast\": {\"ttft_ms\": 100, \"tpot_ms\": 20}}}");
        Map<String, String> env = Map.of("SCORPIO_HTTP_PORT", "9002", "SCORPIO_CONFIG", file.toString(),
                "SCORPIO_MAX_TOKENS_DEFAULT", "64", "UNRELATED", "x");
        ServerConfig c = ServerConfig.layered(env, Map.of(), List.of("--policy=mooncake"));
        NodeSettings s = NodeSettings.from(c);
        assertEquals(9002, s.httpPort(), "env beats the file");
        assertEquals("127.0.0.2", s.httpHost(), "the file beats the default");
        assertEquals("mooncake", s.policy().name(), "flags beat everything");
        assertEquals(2, s.engines());
        assertEquals(64, s.defaultMaxTokens());
        assertEquals(100, s.sloClasses().get("fast").ttftMs());
    }

    @Test
    void unknownKeysAndBadValuesAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.layered(Map.of(), Map.of(), List.of("--htp.port=1")));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.layered(Map.of(), Map.of(), List.of("policy=vllm")));
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(
                ServerConfig.layered(Map.of(), Map.of(), List.of("--policy=nope"))));
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(
                ServerConfig.layered(Map.of(), Map.of(), List.of("--http.port=abc"))));
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(
                ServerConfig.layered(Map.of(), Map.of(), List.of("--slo.classes=1=0/30"))));
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(
                ServerConfig.layered(Map.of(), Map.of(), List.of("--hazelcast.mode=client"))));
    }

    @Test
    void vllmWorkerTurnsCreditsOff() {
        NodeSettings s = NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(), List.of("--worker=vllm")));
        assertTrue(s.vllmWorker());
        assertFalse(s.effectivePolicy().credits());
        assertTrue(s.effectivePolicy().tpotAdmission());
        assertEquals("scorpio", s.effectivePolicy().name());
    }

    @Test
    void workerRetryBackoffDefaultsAndBounds() {
        NodeSettings s = NodeSettings.from(ServerConfig.defaults());
        assertEquals(250, s.retryInitialMs());
        assertEquals(10_000, s.retryMaxMs());
        NodeSettings fast = NodeSettings.from(ServerConfig.layered(Map.of("SCORPIO_ENGINE_RETRY_INITIAL_MS", "50"), Map.of(),
                List.of("--engine.retry-max-ms=400")));
        assertEquals(50, fast.retryInitialMs());
        assertEquals(400, fast.retryMaxMs());
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--engine.retry-initial-ms=500", "--engine.retry-max-ms=100"))), "a cap below the first wait");
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--engine.retry-initial-ms=0"))));
    }

    @Test
    void clusterKeysAreValidatedAtStart() {
        NodeSettings d = NodeSettings.from(ServerConfig.defaults());
        assertEquals("127.0.0.1", d.hazelcastInterface());
        assertEquals("tcp", d.hazelcastJoin());
        assertTrue(d.clustered());
        // Members bind one address only: a wildcard would expose the cluster ports on every interface.
        for (String wildcard : List.of("0.0.0.0", "::", "10.0.*.*")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(
                    ServerConfig.layered(Map.of(), Map.of(), List.of("--hazelcast.interface=" + wildcard))));
            assertTrue(e.getMessage().contains("hazelcast.interface"), e.getMessage());
        }
        IllegalArgumentException k8s = assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(
                ServerConfig.layered(Map.of(), Map.of(), List.of("--hazelcast.join=kubernetes"))));
        assertTrue(k8s.getMessage().contains("hazelcast.kubernetes.service-dns"), k8s.getMessage());
        assertEquals("kubernetes", NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(), List.of(
                "--hazelcast.join=kubernetes", "--hazelcast.kubernetes.service-dns=scorpio-hz.default.svc.cluster.local")))
                .hazelcastJoin());
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--hazelcast.join=multicast"))));
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--cluster.bus-port=70000"))));
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--cluster.placement-timeout-ms=0"))));
    }

    @Test
    void clusterSettingsDefaultToSnapshotsAndRefuseNonsense() {
        io.scorpio.server.config.ClusterSettings d = io.scorpio.server.config.ClusterSettings.defaults();
        assertEquals(io.scorpio.server.config.ClusterSettings.Placement.SNAPSHOTS, d.placement());
        assertEquals(10, d.snapshotIntervalMs());
        assertEquals(0.25, d.staleTolerance());
        assertEquals(io.scorpio.server.config.ClusterSettings.Placement.QUOTES, io.scorpio.server.config.ClusterSettings.from(
                ServerConfig.layered(Map.of("SCORPIO_CLUSTER_PLACEMENT", "quotes"), Map.of(), List.of())).placement());
        for (String bad : List.of("--cluster.placement=gossip", "--cluster.snapshot-interval-ms=0",
                "--cluster.stale-tolerance=-1", "--cluster.placement-timeout-ms=0")) {
            assertThrows(IllegalArgumentException.class, () -> io.scorpio.server.config.ClusterSettings.from(
                    ServerConfig.layered(Map.of(), Map.of(), List.of(bad))), bad);
        }
    }

    @Test
    void usageListsEveryKey() {
        String usage = ServerConfig.usage();
        for (ServerConfig.Key k : ServerConfig.KEYS) {
            assertTrue(usage.contains("--" + k.name() + "="), k.name());
        }
        assertEquals("SCORPIO_HTTP_MAX_BODY_BYTES", new ServerConfig.Key("http.max-body-bytes", null, "").envName());
    }
}
