package io.scorpio.server;

import static io.scorpio.server.Blocking.await;
import static io.scorpio.server.Blocking.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Faults in the stock-vLLM topology (issue 16): a node with four engines in front of four vLLM stand-in processes.
 * Under load, one stand-in is killed with SIGKILL, one hangs (SIGSTOP), one is slow (every step three times the
 * A100's time), one is healthy. Every request ends with exactly one outcome (all its tokens and {@code [DONE]}, or an
 * error frame naming the fault, or a rejection) within its deadline plus the token timeout, and the node keeps
 * serving new requests on the two stand-ins left.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StockVllmFaultTest {

    private static final long TOKEN_TIMEOUT_MS = 2000;
    private static final int MAX_TOKENS = 400;
    private static final Pattern ERROR_FRAME = Pattern.compile(
            "data: \\{\"error\":\\{\"message\":\"(worker failed: [^\"]+)\",\"type\":\"server_error\"");

    private final List<Process> standins = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private Vertx vertx;
    private WebClient web;
    private ScorpioNode node;
    private Path logs;

    @BeforeAll
    void start() throws Exception {
        logs = Files.createTempDirectory("stock-vllm-fault");
        String java = ProcessHandle.current().info().command().orElse("java");
        String[] scales = {"1", "1", "3", "1"}; // engine 2's stand-in is the slow one
        for (String scale : scales) {
            int port = freePort();
            ports.add(port);
            standins.add(new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    "io.scorpio.standin.VllmStandin", "--port=" + port, "--time-scale=" + scale)
                    .redirectErrorStream(true).redirectOutput(logs.resolve("standin-" + port + ".log").toFile()).start());
        }
        vertx = Vertx.vertx();
        web = WebClient.create(vertx);
        for (int port : ports) {
            eventually("stand-in on " + port + " answers /health", () -> {
                try {
                    return await(web.get(port, "127.0.0.1", "/health").send()).statusCode() == 200;
                } catch (RuntimeException | AssertionError e) {
                    return false; // not listening yet
                }
            });
        }
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.ofEntries(
                Map.entry("http.port", "0"),
                Map.entry("worker", "vllm"),
                Map.entry("engines", "4"),
                Map.entry("guard.placement", "least-loaded"),
                Map.entry("vllm.url", String.join(",", ports.stream().map(p -> "http://127.0.0.1:" + p).toList())),
                Map.entry("vllm.token-timeout-ms", Long.toString(TOKEN_TIMEOUT_MS)),
                Map.entry("vllm.metrics-interval-ms", "0"),
                Map.entry("engine.retry-initial-ms", "100"),
                Map.entry("engine.retry-max-ms", "800"),
                Map.entry("predictor", "none"),
                Map.entry("hazelcast.mode", "none")), List.of()));
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        for (Process p : standins) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void signal(Process p, String sig) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start();
        assertEquals(0, kill.waitFor(), "kill -" + sig);
    }

    private double running(int port) {
        String text = await(web.get(port, "127.0.0.1", "/metrics").timeout(2000).send()).bodyAsString();
        Matcher m = Pattern.compile("^vllm:num_requests_running(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE).matcher(text);
        return m.find() ? Double.parseDouble(m.group(2)) : 0;
    }

    private Future<HttpResponse<Buffer>> stream(int i, double ttftMs) {
        JsonObject body = new JsonObject().put("model", "llama-3.1-8b").put("prompt", "fault test request " + i)
                .put("max_tokens", MAX_TOKENS).put("ignore_eos", true).put("stream", true)
                .put("slo", new JsonObject().put("ttft_ms", ttftMs).put("tpot_ms", 1000));
        return web.post(node.port(), "127.0.0.1", "/v1/completions").timeout(120_000).sendJsonObject(body);
    }

    /** One request's single outcome, read from its whole response. */
    private record Outcome(String kind, int tokens, String detail) {
    }

    private static Outcome outcome(HttpResponse<Buffer> r) {
        String body = r.bodyAsString();
        if (r.statusCode() != 200) {
            JsonObject error = new JsonObject(body).getJsonObject("error");
            return new Outcome("refused " + r.statusCode(), 0, error.getString("type") + ": " + error.getString("message"));
        }
        int tokens = 0;
        int dones = 0;
        int errors = 0;
        for (String event : body.split("\n\n")) {
            if (event.equals("data: [DONE]")) {
                dones++;
            } else if (event.startsWith("data: {\"error\"")) {
                errors++;
            } else if (event.startsWith("data: {")) {
                JsonArray choices = new JsonObject(event.substring(6)).getJsonArray("choices");
                tokens += choices.isEmpty() ? 0 : 1;
            }
        }
        assertEquals(1, dones, "exactly one end of stream: " + body);
        assertTrue(errors <= 1, body);
        Matcher m = ERROR_FRAME.matcher(body);
        return errors == 1 ? new Outcome("failed", tokens, m.find() ? m.group(1) : body)
                : new Outcome("completed", tokens, "");
    }

    @Test
    void killedHungAndSlowStandinsEndTheirRequestsOnceAndTheNodeServesOnTheOthers() throws Exception {
        List<Future<HttpResponse<Buffer>>> first = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            first.add(stream(i, 30_000));
        }
        int killed = ports.get(0);
        int hung = ports.get(1);
        eventually("streams run on the stand-ins to be killed and hung",
                () -> running(killed) > 0 && running(hung) > 0);
        Thread.sleep(1000); // their clients have tokens by now, and none has all 400
        long faultAt = System.nanoTime();
        signal(standins.get(0), "KILL");
        signal(standins.get(1), "STOP");
        List<Outcome> outcomes = new ArrayList<>();
        for (Future<HttpResponse<Buffer>> f : first) {
            outcomes.add(outcome(await(f)));
        }
        double endedWithinS = (System.nanoTime() - faultAt) / 1e9;
        long failed = outcomes.stream().filter(o -> o.kind().equals("failed")).count();
        assertTrue(failed >= 2, "the streams on the killed and the hung stand-in failed: " + outcomes);
        for (Outcome o : outcomes) {
            if (o.kind().equals("completed")) {
                assertEquals(MAX_TOKENS, o.tokens(), "a completed stream has all its tokens: " + outcomes);
            } else if (o.kind().equals("failed")) {
                assertTrue(o.detail().contains("vLLM"), "the error names the fault: " + o.detail());
            }
        }
        assertTrue(outcomes.stream().anyMatch(o -> o.detail().contains("sent nothing for " + TOKEN_TIMEOUT_MS)),
                "the hung stand-in's streams fail after the token timeout: " + outcomes);
        // Every request ended by its deadline (30 s) plus the token timeout, none hangs.
        assertTrue(endedWithinS < 30 + TOKEN_TIMEOUT_MS / 1000.0, "all ended within " + endedWithinS + " s");

        JsonObject ready = await(web.get(node.port(), "127.0.0.1", "/ready").send()).bodyAsJsonObject();
        assertEquals(new JsonArray().add(false).add(false).add(true).add(true), ready.getJsonArray("engines"),
                ready.encode());

        // New requests go to the slow and the healthy stand-in, and complete.
        List<Future<HttpResponse<Buffer>>> after = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            after.add(stream(100 + i, 30_000));
        }
        for (Future<HttpResponse<Buffer>> f : after) {
            Outcome o = outcome(await(f));
            assertEquals("completed", o.kind(), o.toString());
            assertEquals(MAX_TOKENS, o.tokens());
        }

        // The hung stand-in resumes: the node probes it back into service.
        signal(standins.get(1), "CONT");
        eventually("the hung stand-in is back in service", () -> await(web.get(node.port(), "127.0.0.1", "/ready").send())
                .bodyAsJsonObject().getJsonArray("engines").getBoolean(1));
        eventually("nothing live at the node", () -> await(web.get(node.port(), "127.0.0.1", "/scorpio/state").send())
                .bodyAsJsonObject().getInteger("tracked") == 0);
    }
}
