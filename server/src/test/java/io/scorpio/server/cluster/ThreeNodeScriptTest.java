package io.scorpio.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@code infra/cluster/three-node.sh} as a real process, exactly as an operator would, and checks the
 * cluster it starts through real HTTP: every node lists all three nodes and serves a completion, and SIGTERM to
 * the script stops all three JVMs.
 *
 * <p>The nodes run from this test's own class path ({@code SCORPIO_CLASSPATH}), not the shaded jar: under
 * {@code mvn verify} the jar is only built in the package phase, after the tests. Ports are a random block of
 * nine free ones below the ephemeral range, so the test clashes neither with other tests (Hazelcast 5901, 5951)
 * nor with a parallel run of itself. Timeouts are generous: three JVMs start at once on a 2-core CI machine.
 */
@Tag("slow") // a shell script starting three node JVMs: left out of the fast run (-DexcludedGroups=slow)
class ThreeNodeScriptTest {

    private static final List<String> NODES = List.of("node-1", "node-2", "node-3");
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(120);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theScriptStartsAClusterThatServesOnEveryNodeAndStopsAllThreeOnSigterm() throws Exception {
        Path repo = repositoryRoot();
        int base = LoopbackPorts.freeBlock(9);
        int httpBase = base;
        int hazelcastBase = base + 3;
        int busBase = base + 6;
        Path logs = repo.resolve("server/target/three-node-test-logs");

        ProcessBuilder pb = new ProcessBuilder("bash", "infra/cluster/three-node.sh",
                "--predictor=none", "--worker.time-scale=0.1")
                .directory(repo.toFile())
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("SCORPIO_BASE_PORT", Integer.toString(httpBase));
        env.put("SCORPIO_HZ_BASE_PORT", Integer.toString(hazelcastBase));
        env.put("SCORPIO_BUS_BASE_PORT", Integer.toString(busBase));
        env.put("SCORPIO_CLUSTER_NAME", "three-node-test-" + ProcessHandle.current().pid() + "-" + base);
        env.put("SCORPIO_LOG_DIR", logs.toString());
        env.put("SCORPIO_CLASSPATH", System.getProperty("java.class.path"));
        env.put("SCORPIO_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        env.put("SCORPIO_FORM_TIMEOUT_S", Long.toString(FORM_TIMEOUT.toSeconds()));
        // Small, quick-starting JVMs: three of them share two cores with Maven and this test.
        env.put("SCORPIO_JAVA_OPTS", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");

        Process script = pb.start();
        ScriptOutput output = new ScriptOutput(script);
        List<ProcessHandle> started = List.of();
        try {
            try {
                output.ready.get(FORM_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                fail("the script did not report a ready cluster:\n" + output.text() + nodeLogs(logs));
            }
            // The three JVMs (and nothing else long-lived) are the script's children now.
            started = script.descendants().toList();

            for (int i = 0; i < NODES.size(); i++) {
                int port = httpBase + i;
                JsonObject state = new JsonObject(get(port, "/scorpio/state"));
                assertEquals(NODES.get(i), state.getString("node"), state.encode());
                JsonArray clusterNodes = state.getJsonArray("cluster_nodes");
                assertEquals(Set.copyOf(NODES), Set.copyOf(clusterNodes.getList()), "node " + NODES.get(i) + ": " + state.encode());

                HttpResponse<String> completion = http.send(HttpRequest.newBuilder(url(port, "/v1/completions"))
                        .timeout(Duration.ofSeconds(30))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"llama-3.1-8b\",\"prompt\":\"hello\",\"max_tokens\":4}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, completion.statusCode(), "node " + NODES.get(i) + ": " + completion.body());
                JsonObject body = new JsonObject(completion.body());
                assertEquals(4, body.getJsonObject("usage").getInteger("completion_tokens"), completion.body());
            }

            // SIGTERM, as `kill` sends it: the script's trap stops the nodes and waits for them. (Through the
            // handle: Process.destroy() would also close the script's output pipe, which no operator does.)
            assertTrue(script.toHandle().destroy(), "could not signal the script");
            assertTrue(script.waitFor(90, TimeUnit.SECONDS), "the script did not exit after SIGTERM:\n" + output.text());
            assertEquals(0, script.exitValue(), "exit status after SIGTERM:\n" + output.text());
            for (ProcessHandle p : started) {
                assertFalse(p.isAlive(), "still running after the script exited: " + p.pid() + " " + p.info().commandLine());
            }
            for (int port = base; port < base + 9; port++) {
                assertFalse(listening(port), "port " + port + " is still open after the script exited");
            }
            output.ended.get(10, TimeUnit.SECONDS);
            assertTrue(output.text().contains("all three nodes stopped"), output.text());
        } finally {
            // Whatever failed above, leave nothing running.
            started.forEach(ProcessHandle::destroyForcibly);
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
    }

    /** The folder holding infra/cluster/three-node.sh: surefire runs in server/, so look upwards. */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("infra/cluster/three-node.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no infra/cluster/three-node.sh above " + Path.of("").toAbsolutePath());
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            return true;
        } catch (ConnectException e) {
            return false;
        } catch (IOException e) {
            return true; // a timeout is not a closed port
        }
    }

    private String get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(url(port, path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "GET " + path + " on port " + port + ": " + r.body());
        return r.body();
    }

    private static URI url(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static String nodeLogs(Path logs) {
        StringBuilder out = new StringBuilder();
        for (String node : NODES) {
            Path log = logs.resolve(node + ".log");
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                out.append("\n---- ").append(log).append(" (last 40 lines) ----\n");
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> out.append(l).append('\n'));
            } catch (IOException e) {
                out.append("\n(no ").append(log).append(")");
            }
        }
        return out.toString();
    }

    /** Reads the script's output on a thread of its own (a full pipe would block the script) and spots "is ready". */
    private static final class ScriptOutput {
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        private final List<String> lines = new ArrayList<>();

        ScriptOutput(Process script) {
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        synchronized (lines) {
                            lines.add(line);
                        }
                        if (line.contains("is ready")) {
                            ready.complete(null);
                        }
                    }
                } catch (IOException e) {
                    // the stream closes when the script is killed; what was read is kept
                }
                ready.completeExceptionally(new IllegalStateException("the script's output ended before it was ready"));
                ended.complete(null);
            }, "three-node-script-output");
            reader.setDaemon(true);
            reader.start();
        }

        String text() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }
    }
}
