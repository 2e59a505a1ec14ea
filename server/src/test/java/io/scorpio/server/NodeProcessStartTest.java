package io.scorpio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node started as its own JVM, as a launcher script or container starts it, with the shipped ONNX predictor on.
 *
 * <p>Regression: ONNX Runtime 1.29 overflowed the stack of the thread that created its environment when the JVM's
 * command line was longer than about 3-4 KB, and the JVM died with SIGSEGV (exit 139) before serving anything. Any
 * {@code -cp} with a few dozen jars reached that. Here the command line is over 8 KB on purpose.
 */
@Tag("slow") // a node JVM: left out of the fast run (-DexcludedGroups=slow)
class NodeProcessStartTest {

    /** The start of every log line: an ISO-8601 UTC timestamp, then the level. */
    private static final Pattern LOG_LINE =
            Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (TRACE|DEBUG|INFO |WARN |ERROR) \\[.+?] \\S+: .*");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process node;

    @AfterEach
    void stop() throws InterruptedException {
        if (node != null) {
            node.destroy();
            if (!node.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                node.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void aNodeWithTheOnnxPredictorStartsAndServesWithACommandLineOver8KB() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(Launcher.HAZELCAST_JVM_FLAGS);
        cmd.add("-Dscorpio.test.padding=" + "p".repeat(8192)); // over 8 KB whatever the class path's length
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.scorpio.server.Launcher"));
        cmd.addAll(List.of("--http.port=" + port, "--hazelcast.mode=none", "--predictor=onnx"));
        int length = cmd.stream().mapToInt(a -> a.length() + 1).sum();
        assertTrue(length > 8192, "command line of " + length + " characters");

        Path log = Files.createDirectories(Path.of("target", "process-logs")).resolve("long-command-line.log");
        Path tmp = Files.createDirectories(Path.of("target", "tmp")).toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("TMPDIR", tmp.toString());
        pb.environment().put("XDG_CACHE_HOME", tmp.toString());
        node = pb.start();

        String base = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (NodeJvm.status(http, base + "/ready") != 200) {
            assertTrue(node.isAlive(), () -> "the node died with exit code " + node.exitValue() + "; its log:\n"
                    + NodeJvm.read(log));
            assertTrue(System.nanoTime() < deadline, () -> "not ready within 90 s; its log:\n" + NodeJvm.read(log));
            Thread.sleep(200);
        }

        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                .header("content-type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama-3.1-8b\",\"prompt\":\"Write a haiku about "
                        + "schedulers\",\"max_tokens\":4,\"stream\":true,\"slo\":{\"ttft_ms\":5000,\"tpot_ms\":200}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().strip().endsWith("data: [DONE]"), r.body());
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("scorpio_predictor_latency_seconds_count") && !l.endsWith(" 0.0")),
                "the ONNX predictor ran:\n" + metrics.lines().filter(l -> l.contains("predictor")).toList());

        // One logging pipeline: every line is timestamped, levelled and named; no SLF4J fallback notice.
        List<String> lines = Files.readAllLines(log);
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            assertFalse(line.startsWith("SLF4J"), line);
            assertTrue(LOG_LINE.matcher(line).matches() || line.startsWith("\t") || line.startsWith("Caused by"),
                    "not a log line: " + line);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("io.scorpio.server.Launcher: Scorpio node")),
                NodeJvm.read(log));
    }
}
