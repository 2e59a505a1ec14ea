package io.scorpio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, failure 3, as an orchestrator does it: a node JVM under open-loop streaming load (15 requests/s, a mix of
 * short and long completions) gets {@code kill -TERM}. Every request must end with a final frame or a clear refusal:
 * {@code [DONE]} after its tokens, an error frame naming the shutdown then {@code [DONE]}, or a 503 before any token.
 * None may be cut bare. The counts are printed; docs/service.md ("Shutdown") quotes a run.
 */
@Tag("slow") // a node JVM and ~15 s of load
class NodeDrainProcessTest {

    private static final int RATE_PER_S = 15;
    /** Short, so that the run is short and some long streams outlive it; -Dscorpio.test.drain-grace-ms=30000 for the default. */
    private static final long GRACE_MS = Long.getLong("scorpio.test.drain-grace-ms", 3000);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private Process node;

    @AfterEach
    void stop() throws InterruptedException {
        if (node != null && node.isAlive()) {
            node.destroyForcibly().waitFor();
        }
    }

    /** How one request ended, as the client saw it. */
    static String classify(HttpResponse<String> r) {
        String body = r.body().strip();
        if (r.statusCode() == 503 && body.contains("\"server_shutting_down\"")) {
            return "503 server_shutting_down (refused, nothing started)";
        }
        if (r.statusCode() == 503 && body.contains("\"server_shutdown\"")) {
            return "503 server_shutdown (queued, ended before a token)";
        }
        if (r.statusCode() == 200 && body.endsWith("data: [DONE]")) {
            return body.contains("\"server_shutdown\"") ? "200 stream: error frame server_shutdown + [DONE]"
                    : "200 stream: completed, [DONE]";
        }
        if (r.statusCode() == 503 && body.contains("slo_unattainable")) {
            return "503 SLO rejection (the guard)";
        }
        return "BARE: status " + r.statusCode() + ", body ends " + body.substring(Math.max(0, body.length() - 80));
    }

    @Test
    void sigtermUnderLoadEndsEveryStreamWithAFinalFrame() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(Launcher.HAZELCAST_JVM_FLAGS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.scorpio.server.Launcher",
                "--http.port=" + port, "--hazelcast.mode=none", "--predictor=none", "--shutdown.grace-ms=" + GRACE_MS));
        Path log = Files.createDirectories(Path.of("target", "process-logs")).resolve("drain.log");
        node = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String base = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (NodeJvm.status(http, base + "/ready") != 200) {
            assertTrue(node.isAlive() && System.nanoTime() < deadline,
                    () -> "node not ready; log:\n" + NodeJvm.read(log));
            Thread.sleep(200);
        }

        Random random = new Random(17);
        List<CompletableFuture<String>> outcomes = new ArrayList<>();
        long periodNs = 1_000_000_000L / RATE_PER_S;
        long start = System.nanoTime();
        long termAt = start + Duration.ofSeconds(4).toNanos();
        long stopAt = termAt + Duration.ofMillis(GRACE_MS / 2).toNanos(); // load keeps coming while the node drains
        boolean termSent = false;
        for (long next = start; next < stopAt; next += periodNs) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            if (!termSent && System.nanoTime() >= termAt) {
                new ProcessBuilder("kill", "-TERM", Long.toString(node.pid())).inheritIO().start().waitFor();
                termSent = true;
            }
            // Short (tens of tokens) and long (thousands: past the grace period) completions, mixed.
            int maxTokens = random.nextInt(4) == 0 ? 2000 + random.nextInt(2000) : 10 + random.nextInt(60);
            String body = "{\"model\":\"llama-3.1-8b\",\"prompt\":\"Tell me a story\",\"max_tokens\":" + maxTokens
                    + ",\"stream\":true,\"slo\":{\"ttft_ms\":10000,\"tpot_ms\":1000}}";
            outcomes.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                            .header("content-type", "application/json").timeout(Duration.ofSeconds(60))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(NodeDrainProcessTest::classify)
                    .exceptionally(e -> "BARE: " + e.getCause()));
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (CompletableFuture<String> f : outcomes) {
            counts.merge(f.get(60, TimeUnit.SECONDS), 1, Integer::sum);
        }
        assertTrue(node.waitFor(GRACE_MS + 20_000, TimeUnit.MILLISECONDS), "the node exits after its drain");
        System.out.println("drain under " + RATE_PER_S + " requests/s, grace " + GRACE_MS + " ms: " + outcomes.size()
                + " requests: " + counts + "; exit code " + node.exitValue());
        String text = NodeJvm.read(log);
        assertTrue(text.contains("io.scorpio.server.Launcher: drained in"), text);
        long bare = counts.entrySet().stream().filter(e -> e.getKey().startsWith("BARE")).mapToLong(Map.Entry::getValue).sum();
        assertEquals(0, bare, "requests cut without a final frame: " + counts);
        assertTrue(counts.getOrDefault("200 stream: error frame server_shutdown + [DONE]", 0) > 0,
                "some long streams outlived the grace period (the test exercises the error frame): " + counts);
        assertTrue(counts.getOrDefault("503 server_shutting_down (refused, nothing started)", 0) > 0,
                "requests after SIGTERM were refused: " + counts);
    }
}
