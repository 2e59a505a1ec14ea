package io.scorpio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.SloClass;
import io.scorpio.predictor.LengthPredictor;
import io.scorpio.server.config.ClusterSettings;
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
        assertEquals(8080, s.http().port());
        assertEquals("scorpio", s.guard().policy().name());
        assertEquals("llama-3.1-8b-a100", s.worker().kind());
        assertEquals("embedded", s.hazelcast().mode());
        assertEquals("onnx", s.predictor().kind());
        assertEquals("1=500/30,2=2000/30,3=3000/30,4=500/50,5=1000/50,6=7500/50", ServerConfig.defaults().get("slo.classes"));
        assertEquals(SloClass.LLAMA_3_1_8B.size(), s.requests().sloClasses().size());
        for (SloClass c : SloClass.LLAMA_3_1_8B) {
            assertEquals(c.slo(), s.requests().sloClasses().get(c.name()));
        }
        assertTrue(s.guard().policy().credits());
        assertEquals(io.scorpio.core.policy.GuardOptions.NONE, s.guard().options(), "the paper's guard unless asked");
        assertEquals("slo-aware", s.guard().placement());
    }

    @Test
    void guardOptionsBeyondThePaperAreSwitchedOnByFlags() {
        NodeSettings s = NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--guard.prefill-aware-credits=true", "--guard.best-effort=on", "--guard.placement=least-loaded")));
        assertTrue(s.guard().options().prefillAwareCredits());
        assertTrue(s.guard().options().bestEffort());
        assertFalse(s.guard().options().lowLoadFallback());
        assertEquals("least-loaded", s.guard().placement());
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
        assertEquals(9002, s.http().port(), "env beats the file");
        assertEquals("127.0.0.2", s.http().host(), "the file beats the default");
        assertEquals("mooncake", s.guard().policy().name(), "flags beat everything");
        assertEquals(2, s.guard().engines());
        assertEquals(64, s.requests().defaultMaxTokens());
        assertEquals(100, s.requests().sloClasses().get("fast").ttftMs());
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
        assertTrue(s.worker().isVllm());
        assertFalse(s.guard().policy().credits());
        assertTrue(s.guard().policy().tpotAdmission());
        assertEquals("scorpio", s.guard().policy().name());
    }

    @Test
    void workerRetryBackoffDefaultsAndBounds() {
        NodeSettings s = NodeSettings.from(ServerConfig.defaults());
        assertEquals(250, s.worker().retryInitialMs());
        assertEquals(10_000, s.worker().retryMaxMs());
        NodeSettings fast = NodeSettings.from(ServerConfig.layered(Map.of("SCORPIO_ENGINE_RETRY_INITIAL_MS", "50"), Map.of(),
                List.of("--engine.retry-max-ms=400")));
        assertEquals(50, fast.worker().retryInitialMs());
        assertEquals(400, fast.worker().retryMaxMs());
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--engine.retry-initial-ms=500", "--engine.retry-max-ms=100"))), "a cap below the first wait");
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--engine.retry-initial-ms=0"))));
    }

    @Test
    void clusterKeysAreValidatedAtStart() {
        NodeSettings d = NodeSettings.from(ServerConfig.defaults());
        assertEquals("127.0.0.1", d.hazelcast().iface());
        assertEquals("tcp", d.hazelcast().join());
        assertTrue(d.hazelcast().clustered());
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
                .hazelcast().join());
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--hazelcast.join=multicast"))));
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--cluster.bus-port=70000"))));
        assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(),
                List.of("--cluster.placement-timeout-ms=0"))));
    }

    @Test
    void clusterSettingsDefaultToSnapshotsAndRefuseNonsense() {
        ClusterSettings d = NodeSettings.from(ServerConfig.defaults()).cluster();
        assertEquals(d, ClusterSettings.defaults());
        assertEquals(ClusterSettings.Placement.SNAPSHOTS, d.placement());
        assertEquals(10, d.snapshotIntervalMs());
        assertEquals(0.25, d.staleTolerance());
        assertEquals(3000, d.submitTimeoutMs());
        assertEquals(ClusterSettings.Placement.QUOTES, NodeSettings.from(
                ServerConfig.layered(Map.of("SCORPIO_CLUSTER_PLACEMENT", "quotes"), Map.of(), List.of())).cluster().placement());
        for (String bad : List.of("--cluster.placement=gossip", "--cluster.snapshot-interval-ms=0",
                "--cluster.stale-tolerance=-1", "--cluster.placement-timeout-ms=0", "--cluster.submit-timeout-ms=0")) {
            assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(
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

    @Test
    void everyPredictorSettingIsAConfigKey() {
        NodeSettings d = NodeSettings.from(ServerConfig.defaults());
        assertTrue(d.predictor().modelDir().isEmpty(), "the shipped model unless a folder is named");
        assertEquals(LengthPredictor.Options.DEFAULTS, d.predictor().runtime());
        NodeSettings s = NodeSettings.from(ServerConfig.layered(Map.of("SCORPIO_PREDICTOR_DEVICE", "cpu"), Map.of(),
                List.of("--predictor.threads=2", "--predictor.spin=true", "--predictor.model-dir=" + dir)));
        assertEquals(new LengthPredictor.Options(2, true, "cpu"), s.predictor().runtime());
        assertEquals(dir.toAbsolutePath().normalize(), s.predictor().modelDir().orElseThrow());
        for (String bad : List.of("--predictor.device=tpu", "--predictor.threads=-3", "--predictor.threads=many",
                "--predictor=magic", "--predictor.spin=sometimes")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NodeSettings.from(ServerConfig.layered(Map.of(), Map.of(), List.of(bad))), bad);
            assertTrue(e.getMessage().contains(bad.substring(2, bad.indexOf('='))), e.getMessage());
        }
    }

    @Test
    void aDataFolderThatIsNotThereFailsTheLaunchNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeSettings.from(
                ServerConfig.layered(Map.of("SCORPIO_DATA_DIR", dir.resolve("missing").toString()), Map.of(), List.of())));
        assertTrue(e.getMessage().startsWith("data.dir"), e.getMessage());
        assertEquals(io.scorpio.model.DataFiles.bundled(), NodeSettings.from(ServerConfig.defaults()).worker().data());
    }

    @Test
    void everyKeyIsReadBySomeSettingsRecord() {
        // A key nothing reads would be a setting that silently does nothing. Each component's record is built from
        // ServerConfig through get/getInt/...; record which keys building the node's settings asks for.
        java.util.Set<String> read = new java.util.HashSet<>();
        NodeSettings.from(ServerConfig.defaults().observed(read::add));
        java.util.Set<String> unread = new java.util.TreeSet<>();
        for (ServerConfig.Key k : ServerConfig.KEYS) {
            if (!read.contains(k.name())) {
                unread.add(k.name());
            }
        }
        // Read before the settings are built: the file, and the logging the launcher installs first.
        assertEquals(java.util.Set.of("config", "log.format", "log.level"), unread);
    }
}
