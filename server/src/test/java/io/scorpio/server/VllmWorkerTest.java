package io.scorpio.server;

import static io.scorpio.server.Blocking.await;
import static io.scorpio.server.Blocking.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.ServerConfig;
import io.scorpio.server.engine.vllm.SseParser;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The vLLM worker against {@link FakeVllmServer}, end to end through the node's HTTP API. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VllmWorkerTest {

    private Vertx vertx;
    private FakeVllmServer vllm;
    private ScorpioNode node;
    private WebClient web;
    private HttpClient http;
    private int port;

    @BeforeAll
    void start() throws Exception {
        vertx = Vertx.vertx();
        vllm = new FakeVllmServer(vertx);
        int vllmPort = await(vllm.start());
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "worker", "vllm",
                "vllm.url", "http://127.0.0.1:" + vllmPort + "/",
                "vllm.model", FakeVllmServer.MODEL,
                "vllm.refit-every", "8",
                "vllm.metrics-interval-ms", "100",
                "hazelcast.mode", "none"), List.of()));
        port = node.port();
        web = WebClient.create(vertx);
        http = vertx.createHttpClient();
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

    private static JsonObject completion(String prompt, int maxTokens, boolean stream) {
        JsonObject o = new JsonObject().put("model", "llama-3.1-8b").put("prompt", prompt).put("max_tokens", maxTokens)
                .put("stream", stream);
        if (stream) {
            o.put("stream_options", new JsonObject().put("include_usage", true));
        }
        return o;
    }

    private HttpResponse<Buffer> post(JsonObject body) {
        return await(web.post(port, "127.0.0.1", "/v1/completions").sendJsonObject(body));
    }

    private static List<String> sseData(String body) {
        List<String> out = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            if (!event.isBlank()) {
                out.add(event.substring("data: ".length()));
            }
        }
        return out;
    }

    private double metric(String name) {
        String text = await(web.get(port, "127.0.0.1", "/metrics").send()).bodyAsString();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE).matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    private void assertNothingLive() {
        eventually("nothing live at the guard or the fake vLLM", () -> {
            JsonObject s = await(web.get(port, "127.0.0.1", "/scorpio/state").send()).bodyAsJsonObject();
            JsonObject e = s.getJsonArray("engines").getJsonObject(0);
            return s.getInteger("tracked") == 0 && s.getInteger("open_streams") == 0 && e.getInteger("live") == 0
                    && e.getInteger("kv_blocks_used") == 0 && vllm.active.get() == 0;
        });
    }

    @Test
    void streamsVllmsTokensWithRealUsage() {
        HttpResponse<Buffer> r = post(completion("Say hello", 6, true));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        List<String> data = sseData(r.bodyAsString());
        assertEquals("[DONE]", data.get(data.size() - 1));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            JsonObject choice = new JsonObject(data.get(i)).getJsonArray("choices").getJsonObject(0);
            text.append(choice.getString("text"));
            assertEquals(i == 5 ? "length" : null, choice.getString("finish_reason"));
        }
        assertEquals(" Hello from fake vLLM é 🙂", text.toString(), "vLLM's text, multi-byte characters intact");
        assertEquals(6, new JsonObject(data.get(6)).getJsonObject("usage").getInteger("completion_tokens"));
        JsonObject upstream = vllm.requests.stream().filter(b -> b.getString("prompt").equals("Say hello")).findFirst().orElseThrow();
        assertEquals(FakeVllmServer.MODEL, upstream.getString("model"));
        assertEquals(6, upstream.getInteger("max_tokens"));
        assertTrue(upstream.getBoolean("stream"));
        assertNothingLive();
    }

    @Test
    void earlyStopEndsWithStopAndCountsOnlyRealTokens() {
        HttpResponse<Buffer> r = post(completion("STOP-EARLY please", 50, false));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        JsonObject body = r.bodyAsJsonObject();
        assertEquals("stop", body.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
        assertEquals(" Hello from fake", body.getJsonArray("choices").getJsonObject(0).getString("text"));
        assertEquals(3, body.getJsonObject("usage").getInteger("completion_tokens"));
        assertNothingLive();
    }

    @Test
    void aRequestVllmRefusesAsInvalidGetsVllmsFourHundredNotABadGateway() {
        double failedBefore = metric("scorpio_requests_total{outcome=\"failed\",reason=\"invalid_request\"}");
        HttpResponse<Buffer> r = post(completion("HTTP-400 too long", 10, true));
        assertEquals(400, r.statusCode(), "the client's fault, as vLLM judged it; a 502 would invite a retry: "
                + r.bodyAsString());
        JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
        assertEquals("invalid_request_error", error.getString("type"));
        assertTrue(error.getString("message").contains("maximum context length is 2048 tokens"), error.encode());
        assertTrue(error.getString("message").contains("BadRequestError"));
        assertEquals(failedBefore + 1, metric("scorpio_requests_total{outcome=\"failed\",reason=\"invalid_request\"}"));
        assertNothingLive();
    }

    @Test
    void errorFrameMidStreamEndsTheClientsStreamWithAnErrorFrame() {
        HttpResponse<Buffer> r = post(completion("MID-ERROR now", 10, true));
        assertEquals(200, r.statusCode());
        List<String> data = sseData(r.bodyAsString());
        assertEquals("[DONE]", data.get(data.size() - 1));
        assertEquals(4, data.size(), "two tokens, an error frame, [DONE]: " + data);
        JsonObject error = new JsonObject(data.get(2)).getJsonObject("error");
        assertTrue(error.getString("message").contains("illegal memory access"), error.encode());
        assertFalse(r.bodyAsString().contains("\"finish_reason\":\"length\""));
        assertNothingLive();
    }

    @Test
    void clientDisconnectAbortsTheUpstreamStream() {
        int closedBefore = vllm.clientClosedEarly.get();
        Promise<Void> first = Promise.promise();
        HttpClientResponse resp = await(http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                        .setPort(port).setURI("/v1/completions").putHeader("content-type", "application/json"))
                .compose(req -> req.send(completion("HANG on", 100, true).toBuffer()))
                // Set on the event loop as the response arrives: HANG sends one chunk only, it must not be missed.
                .map(r -> r.handler(b -> first.tryComplete())));
        await(first.future());
        await(resp.request().connection().close());
        eventually("vLLM saw its client go away", () -> vllm.clientClosedEarly.get() == closedBefore + 1);
        assertNothingLive();
    }

    @Test
    void creditsAreOffAndTheStepModelIsRefittedOnline() {
        List<io.vertx.core.Future<HttpResponse<Buffer>>> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(web.post(port, "127.0.0.1", "/v1/completions").sendJsonObject(completion("refit " + i, 20 + 10 * i, false)
                    .put("slo", new JsonObject().put("ttft_ms", 60000).put("tpot_ms", 5000))));
        }
        all.forEach(f -> assertEquals(200, await(f).statusCode()));
        assertEquals(0.0, metric("scorpio_credits_enabled"));
        JsonObject model = await(web.get(port, "127.0.0.1", "/v1/models").send()).bodyAsJsonObject()
                .getJsonArray("data").getJsonObject(0).getJsonObject("scorpio");
        assertFalse(model.getBoolean("credits"));
        assertTrue(metric("scorpio_step_model_refits") > 0, "refitted from observed inter-token times");
        eventually("vLLM's /metrics scraped", () -> metric("scorpio_vllm_requests_running") == 2.0
                && metric("scorpio_vllm_requests_waiting") == 1.0);
        assertEquals(200, await(web.get(port, "127.0.0.1", "/ready").send()).statusCode());
        assertNothingLive();
    }

    @Test
    void aStepHandsOnEveryTokenVllmHasSentNotOne() {
        double stepsBefore = metric("scorpio_engine_steps_total");
        HttpResponse<Buffer> r = post(completion("BURST of tokens", 40, true));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        List<String> data = sseData(r.bodyAsString());
        assertEquals(42, data.size(), "40 tokens, the usage chunk, [DONE]");
        for (int i = 0; i < 40; i++) {
            JsonObject choice = new JsonObject(data.get(i)).getJsonArray("choices").getJsonObject(0);
            assertEquals(FakeVllmServer.WORDS[i % FakeVllmServer.WORDS.length], choice.getString("text"), "token " + i);
            assertEquals(i == 39 ? "length" : null, choice.getString("finish_reason"));
        }
        assertEquals(40, new JsonObject(data.get(40)).getJsonObject("usage").getInteger("completion_tokens"));
        double steps = metric("scorpio_engine_steps_total") - stepsBefore;
        assertTrue(steps <= 5, "39 tokens vLLM sent at once reach the client in a step or two, not one step each: " + steps);
        assertNothingLive();
    }

    @Test
    void aStreamVllmHoldsBackDoesNotHoldBackTheOthers() {
        JsonObject patient = new JsonObject().put("ttft_ms", 60000).put("tpot_ms", 5000);
        io.vertx.core.Future<HttpResponse<Buffer>> stalled = web.post(port, "127.0.0.1", "/v1/completions")
                .sendJsonObject(completion("STALL after two", 6, true).put("slo", patient));
        eventually("vLLM streams the request it will hold back", () -> vllm.active.get() == 1);
        HttpResponse<Buffer> quick = post(completion("quick one", 6, true).put("slo", patient));
        assertFalse(stalled.isComplete(), "the other stream ended while vLLM still held this one back ("
                + FakeVllmServer.STALL_MS + " ms)");
        assertEquals(200, quick.statusCode(), quick.bodyAsString());
        List<String> data = sseData(quick.bodyAsString());
        assertEquals(8, data.size(), "6 tokens, usage, [DONE]: " + data);
        HttpResponse<Buffer> late = await(stalled);
        assertEquals(200, late.statusCode());
        assertEquals(8, sseData(late.bodyAsString()).size(), "the held-back stream still gets every token");
        assertNothingLive();
    }

    @Test
    void sseParserHandlesSplitBytesCrlfAndComments() {
        List<String> events = new ArrayList<>();
        SseParser p = new SseParser(events::add);
        byte[] bytes = ": comment\r\ndata: {\"t\":\"é🙂\"}\r\n\r\ndata:a\ndata: b\n\nevent: x\ndata: [DONE]\n\n"
                .getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            p.feed(Buffer.buffer(new byte[] {b}));
        }
        p.end();
        assertEquals(List.of("{\"t\":\"é🙂\"}", "a\nb", "[DONE]"), events);
    }
}
