package io.scorpio.server;

import static io.scorpio.server.Blocking.await;
import static io.scorpio.server.Blocking.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.bus.Addresses;
import io.scorpio.server.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A vLLM server that dies or hangs under the node, end to end through the node's HTTP API and the real
 * {@link FakeVllmServer}: requests with tokens end with an error frame, requests without go back to the queue, the
 * engine shows as out of service in /ready and /metrics, is probed with capped back-off, and comes back. With
 * several engines, the guard places new requests on those in service and moves there the requests waiting on one
 * that goes out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerFaultTest {

    private static final long TOKEN_TIMEOUT_MS = 600;
    private static final long RETRY_INITIAL_MS = 100;
    private static final long RETRY_MAX_MS = 800;
    /** Scheduling slack on a loaded 2-core machine, on top of the back-off's cap. */
    private static final long SLACK_MS = 1500;

    /** The error frame the ingress writes when a streamed request fails, then the stream's end. */
    private static final Pattern ERROR_FRAME_THEN_DONE = Pattern.compile(
            "data: \\{\"error\":\\{\"message\":\"(worker failed: [^\"]+)\",\"type\":\"server_error\",\"param\":null,"
                    + "\"code\":\"generation_failed\"}}\n\ndata: \\[DONE]\n\n$");

    private Vertx vertx;
    private FakeVllmServer vllm;
    private ScorpioNode node;
    private WebClient web;
    private int port;

    @BeforeAll
    void start() throws Exception {
        vertx = Vertx.vertx();
        vllm = new FakeVllmServer(vertx);
        int vllmPort = await(vllm.start());
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "worker", "vllm",
                "vllm.url", "http://127.0.0.1:" + vllmPort,
                "vllm.model", FakeVllmServer.MODEL,
                "vllm.token-timeout-ms", Long.toString(TOKEN_TIMEOUT_MS),
                "vllm.metrics-interval-ms", "0",
                "engine.retry-initial-ms", Long.toString(RETRY_INITIAL_MS),
                "engine.retry-max-ms", Long.toString(RETRY_MAX_MS),
                "predictor", "none",
                "hazelcast.mode", "none"), List.of()));
        port = node.port();
        web = WebClient.create(vertx);
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    /** Every test starts with a live server and an engine in service. */
    @BeforeEach
    void serverUp() {
        if (!vllm.running()) {
            await(vllm.restart());
        }
        vllm.thaw();
        eventually("the engine is ready", () -> ready().statusCode() == 200);
    }

    @Test
    void aWorkerThatDiesMidStreamFailsTheStreamShowsUnhealthyAndComesBackWithinTheBackoffCap() {
        double failures = metric("scorpio_worker_failures_total");
        double retries = metric("scorpio_worker_retries_total");

        HttpResponse<Buffer> r = post(completion("CRASH please", 50, true));

        assertEquals(200, r.statusCode(), "the stream had started");
        String body = r.bodyAsString();
        assertEquals(4, sseData(body).size(), "two tokens, an error frame, [DONE]: " + body);
        Matcher frame = ERROR_FRAME_THEN_DONE.matcher(body);
        assertTrue(frame.find(), "ends with the ingress's error frame: " + body);
        assertTrue(frame.group(1).startsWith("worker failed: vLLM "), frame.group(1));
        assertFalse(body.contains("\"finish_reason\":\"length\""));

        HttpResponse<Buffer> notReady = ready();
        assertEquals(503, notReady.statusCode());
        assertEquals(new JsonObject().put("status", "not_ready").put("engines", new JsonArray().add(false)),
                notReady.bodyAsJsonObject());
        assertEquals(0.0, metric("scorpio_worker_healthy"));
        assertEquals(failures + 1, metric("scorpio_worker_failures_total"), "one failed step");
        assertFalse(engineState().getBoolean("healthy"));

        // Down long enough that an uncapped doubling (100, 200, 400, ... ms) would wait seconds for its next probe.
        eventually("probed with back-off", () -> metric("scorpio_worker_retries_total") >= retries + 7);
        assertEquals(503, ready().statusCode(), "still down: every probe failed");

        await(vllm.restart());
        long restarted = System.nanoTime();
        eventually("ready again", () -> ready().statusCode() == 200);
        long backMs = (System.nanoTime() - restarted) / 1_000_000;
        assertTrue(backMs <= RETRY_MAX_MS + SLACK_MS, "back within the back-off cap, took " + backMs + " ms");
        assertEquals(1.0, metric("scorpio_worker_healthy"));
        assertTrue(engineState().getBoolean("healthy"));

        HttpResponse<Buffer> after = post(completion("after the crash", 5, false));
        assertEquals(200, after.statusCode(), after.bodyAsString());
        assertEquals(" Hello from fake vLLM é", after.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0)
                .getString("text"));
        assertNothingLive();
    }

    @Test
    void requestsWithoutATokenWaitForTheWorkerOrAreRejectedWhenTheirDeadlinePasses() {
        double failures = metric("scorpio_worker_failures_total");
        await(vllm.stop()); // the engine learns it from the next step

        long sent = System.nanoTime();
        Future<HttpResponse<Buffer>> patient = web.post(port, "127.0.0.1", "/v1/completions")
                .sendJsonObject(completion("patient", 4, false).put("slo", slo(60_000)));
        Future<HttpResponse<Buffer>> hurried = web.post(port, "127.0.0.1", "/v1/completions")
                .sendJsonObject(completion("hurried", 4, false).put("slo", slo(1_500)));

        HttpResponse<Buffer> rejected = await(hurried);
        long rejectedAfterMs = (System.nanoTime() - sent) / 1_000_000;
        assertEquals(503, rejected.statusCode(), rejected.bodyAsString());
        assertEquals("false", rejected.getHeader("x-should-retry"));
        JsonObject error = rejected.bodyAsJsonObject().getJsonObject("error");
        assertEquals("slo_unattainable_ttft", error.getString("type"));
        assertEquals("slo.ttft_ms", error.getString("param"));
        assertTrue(rejectedAfterMs >= 1_300, "not failed at once: rejected when its deadline neared, after "
                + rejectedAfterMs + " ms");

        assertFalse(patient.isComplete(), "the patient request still waits");
        JsonObject engine = engineState();
        assertEquals(1, engine.getInteger("waiting"), "back in the queue: " + engine);
        assertEquals(0, engine.getInteger("admitted"));
        assertEquals(0, engine.getInteger("kv_blocks_used"), "its KV blocks were given back");
        assertFalse(engine.getBoolean("healthy"));
        assertEquals(0.0, metric("scorpio_worker_healthy"));
        assertTrue(metric("scorpio_worker_failures_total") > failures, "the refused connection was a worker failure");
        assertEquals(503, ready().statusCode());

        await(vllm.restart());
        HttpResponse<Buffer> served = await(patient);
        assertEquals(200, served.statusCode(), served.bodyAsString());
        JsonObject choice = served.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0);
        assertEquals(" Hello from fake vLLM", choice.getString("text"));
        assertEquals("length", choice.getString("finish_reason"));
        assertEquals(4, served.bodyAsJsonObject().getJsonObject("usage").getInteger("completion_tokens"));
        assertNothingLive();
    }

    @Test
    void aHungWorkerFailsTheStreamAfterTheTokenTimeoutIsLeftAloneAndRecovers() {
        double failures = metric("scorpio_worker_failures_total");
        int closedBefore = vllm.clientClosedEarly.get();

        long sent = System.nanoTime();
        HttpResponse<Buffer> r = post(completion("FREEZE please", 50, true));
        long tookMs = (System.nanoTime() - sent) / 1_000_000;

        assertEquals(200, r.statusCode());
        String body = r.bodyAsString();
        assertEquals(4, sseData(body).size(), "two tokens, an error frame, [DONE]: " + body);
        Matcher frame = ERROR_FRAME_THEN_DONE.matcher(body);
        assertTrue(frame.find(), "ends with the ingress's error frame: " + body);
        assertEquals("worker failed: vLLM sent nothing for " + TOKEN_TIMEOUT_MS + " ms (hung?)", frame.group(1));
        assertTrue(tookMs >= TOKEN_TIMEOUT_MS, "failed by the token timeout, after " + tookMs + " ms");
        eventually("the hung stream was closed, so the server stops working on it",
                () -> vllm.clientClosedEarly.get() == closedBefore + 1);

        assertTrue(vllm.frozen());
        assertEquals(503, ready().statusCode());
        assertEquals(0.0, metric("scorpio_worker_healthy"));
        assertEquals(failures + 1, metric("scorpio_worker_failures_total"));

        vllm.thaw();
        long thawed = System.nanoTime();
        eventually("ready again", () -> ready().statusCode() == 200);
        long backMs = (System.nanoTime() - thawed) / 1_000_000;
        assertTrue(backMs <= RETRY_MAX_MS + SLACK_MS, "back within the back-off cap, took " + backMs + " ms");
        assertEquals(1.0, metric("scorpio_worker_healthy"));

        HttpResponse<Buffer> after = post(completion("after the hang", 3, true));
        assertEquals(200, after.statusCode());
        List<String> data = sseData(after.bodyAsString());
        assertEquals("[DONE]", data.get(data.size() - 1));
        assertEquals("length", new JsonObject(data.get(2)).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
        assertNothingLive();
    }

    @Test
    void placementAvoidsAnEngineWhoseWorkerIsOutOfServiceWhileAnotherIsIn() throws Exception {
        try (ScorpioNode two = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "engines", "2",
                "worker", "model-sim",
                "predictor", "none",
                "hazelcast.mode", "none"), List.of()))) {
            // Idle engines tie, and ties go to engine 0: only the health flag can send requests to engine 1.
            two.vertx().eventBus().send(Addresses.guardHealth(0), false,
                    Addresses.LOCAL);
            eventually("the guard knows engine 0 is out", () -> !state(two).getJsonArray("engines").getJsonObject(0)
                    .getBoolean("healthy"));
            for (int i = 0; i < 4; i++) {
                HttpResponse<Buffer> r = await(web.post(two.port(), "127.0.0.1", "/v1/completions")
                        .sendJsonObject(completion("placed " + i, 2, false)));
                assertEquals(200, r.statusCode(), r.bodyAsString());
            }
            assertEquals(0.0, steps(two, 0), "nothing placed on the engine that is out of service");
            assertTrue(steps(two, 1) >= 4 * 2, "engine 1 served them all");

            two.vertx().eventBus().send(Addresses.guardHealth(0), true,
                    Addresses.LOCAL);
            eventually("the guard knows engine 0 is back", () -> state(two).getJsonArray("engines").getJsonObject(0)
                    .getBoolean("healthy"));
            assertEquals(200, await(web.post(two.port(), "127.0.0.1", "/v1/completions")
                    .sendJsonObject(completion("placed again", 2, false))).statusCode());
            assertTrue(steps(two, 0) > 0, "back in service, engine 0 wins the tie again");
        }
    }

    @Test
    void requestsWaitingOnAnEngineWhoseWorkerGoesOutMoveToAnEngineInService() throws Exception {
        try (ScorpioNode two = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "engines", "2",
                "scheduler.max-num-seqs", "1",
                "worker", "model-sim",
                "predictor", "none",
                "hazelcast.mode", "none"), List.of()))) {
            // Engine 1 out: everything queues on engine 0, one running and two waiting behind it.
            two.vertx().eventBus().send(Addresses.guardHealth(1), false, Addresses.LOCAL);
            eventually("the guard knows engine 1 is out", () -> !engine(two, 1).getBoolean("healthy"));
            Future<HttpResponse<Buffer>> running = web.post(two.port(), "127.0.0.1", "/v1/completions")
                    .sendJsonObject(completion("running", 400, false).put("slo", slo(60_000)));
            eventually("the first request running on engine 0", () -> engine(two, 0).getInteger("admitted") == 1);
            List<Future<HttpResponse<Buffer>>> waiting = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                waiting.add(web.post(two.port(), "127.0.0.1", "/v1/completions")
                        .sendJsonObject(completion("waiting " + i, 3, false).put("slo", slo(60_000))));
            }
            eventually("two waiting on engine 0", () -> engine(two, 0).getInteger("waiting") == 2);

            // Engine 1 comes back and engine 0's worker goes out: the two waiting move over and are served there.
            two.vertx().eventBus().send(Addresses.guardHealth(1), true, Addresses.LOCAL);
            eventually("the guard knows engine 1 is back", () -> engine(two, 1).getBoolean("healthy"));
            two.vertx().eventBus().send(Addresses.guardHealth(0), false, Addresses.LOCAL);
            for (Future<HttpResponse<Buffer>> f : waiting) {
                HttpResponse<Buffer> r = await(f);
                assertEquals(200, r.statusCode(), r.bodyAsString());
            }
            assertTrue(steps(two, 1) >= 2 * 3, "engine 1 served them");
            String metrics = await(web.get(two.port(), "127.0.0.1", "/metrics").send()).bodyAsString();
            assertTrue(metrics.contains("scorpio_requests_replaced_total{reason=\"worker_out_of_service\"} 2.0"),
                    metrics.lines().filter(l -> l.startsWith("scorpio_requests_replaced")).toList().toString());

            // The running one had tokens: it stays on engine 0 and finishes once its worker is back.
            assertFalse(running.isComplete(), "the running request waits for its worker");
            assertEquals(1, engine(two, 0).getInteger("live"));
            two.vertx().eventBus().send(Addresses.guardHealth(0), true, Addresses.LOCAL);
            HttpResponse<Buffer> r = await(running);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            assertEquals(400, r.bodyAsJsonObject().getJsonObject("usage").getInteger("completion_tokens"));
        }
    }

    // ---- helpers ----

    private JsonObject engine(ScorpioNode n, int e) {
        return state(n).getJsonArray("engines").getJsonObject(e);
    }

    private JsonObject state(ScorpioNode n) {
        return await(web.get(n.port(), "127.0.0.1", "/scorpio/state").send()).bodyAsJsonObject();
    }

    /** Steps engine {@code e} of node {@code n} ran, prefill and decode. */
    private double steps(ScorpioNode n, int e) {
        String text = await(web.get(n.port(), "127.0.0.1", "/metrics").send()).bodyAsString();
        Matcher m = Pattern.compile("^scorpio_engine_steps_total\\{[^}]*engine=\"" + e + "\"[^}]*} (\\S+)$", Pattern.MULTILINE)
                .matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static JsonObject completion(String prompt, int maxTokens, boolean stream) {
        return new JsonObject().put("model", "llama-3.1-8b").put("prompt", prompt).put("max_tokens", maxTokens)
                .put("stream", stream);
    }

    /** A TTFT SLO as the request names it; a TPOT loose enough that admission never holds it back. */
    private static JsonObject slo(double ttftMs) {
        return new JsonObject().put("ttft_ms", ttftMs).put("tpot_ms", 5000);
    }

    private HttpResponse<Buffer> post(JsonObject body) {
        return await(web.post(port, "127.0.0.1", "/v1/completions").sendJsonObject(body));
    }

    private HttpResponse<Buffer> ready() {
        return await(web.get(port, "127.0.0.1", "/ready").send());
    }

    private JsonObject engineState() {
        return await(web.get(port, "127.0.0.1", "/scorpio/state").send()).bodyAsJsonObject().getJsonArray("engines")
                .getJsonObject(0);
    }

    private static List<String> sseData(String body) {
        return java.util.Arrays.stream(body.split("\n\n")).filter(e -> !e.isBlank())
                .map(e -> e.substring("data: ".length())).toList();
    }

    private double metric(String name) {
        String text = await(web.get(port, "127.0.0.1", "/metrics").send()).bodyAsString();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE).matcher(text);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
            found = true;
        }
        assertTrue(found, name + " is exported");
        return sum;
    }

    private void assertNothingLive() {
        eventually("nothing live at the guard, the ingress or the fake vLLM", () -> {
            JsonObject s = await(web.get(port, "127.0.0.1", "/scorpio/state").send()).bodyAsJsonObject();
            JsonObject e = s.getJsonArray("engines").getJsonObject(0);
            return s.getInteger("tracked") == 0 && s.getInteger("open_streams") == 0 && e.getInteger("live") == 0
                    && e.getInteger("waiting") == 0 && e.getInteger("kv_blocks_used") == 0 && vllm.active.get() == 0;
        });
    }
}
