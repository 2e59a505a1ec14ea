package io.scorpio.server;

import static io.scorpio.server.Blocking.await;
import static io.scorpio.server.Blocking.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import io.scorpio.server.config.ServerConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole node (embedded Hazelcast, the four verticles, the stand-in simulated worker in real time) on a free
 * port, driven by real HTTP, SSE and WebSocket clients. No assertion depends on speed; waits are generous.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceEndToEndTest {

    private static final String MODEL = "llama-3.1-8b";
    private static final int MAX_BODY = 8192;

    private ScorpioNode node;
    private Vertx clients;
    private WebClient web;
    private HttpClient http;
    private int port;

    @BeforeAll
    void startNode() throws Exception {
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "http.max-body-bytes", Integer.toString(MAX_BODY),
                "hazelcast.cluster-name", "scorpio-test-" + ProcessHandle.current().pid(),
                "hazelcast.port", "5901"), List.of()));
        port = node.port();
        clients = Vertx.vertx();
        web = WebClient.create(clients);
        http = clients.createHttpClient();
    }

    @AfterAll
    void stopNode() throws Exception {
        if (clients != null) {
            await(clients.close());
        }
        if (node != null) {
            node.close();
        }
    }

    private HttpResponse<Buffer> post(String path, Object body) {
        return post(path, body, MultiMap.caseInsensitiveMultiMap());
    }

    private HttpResponse<Buffer> post(String path, Object body, MultiMap headers) {
        Buffer buffer = body instanceof JsonObject j ? j.toBuffer() : Buffer.buffer(body.toString());
        return await(web.post(port, "127.0.0.1", path).putHeader("content-type", "application/json").putHeaders(headers)
                .sendBuffer(buffer));
    }

    private HttpResponse<Buffer> get(String path) {
        return await(web.get(port, "127.0.0.1", path).send());
    }

    private static JsonObject completion(String prompt, int maxTokens) {
        return new JsonObject().put("model", MODEL).put("prompt", prompt).put("max_tokens", maxTokens);
    }

    private static int cl100k(String text) {
        return Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE).countTokensOrdinary(text);
    }

    /** The data fields of an SSE body, in order. */
    private static List<String> sseData(String body) {
        List<String> out = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            if (!event.isBlank()) {
                assertTrue(event.startsWith("data: "), "every SSE event is a data line: " + event);
                out.add(event.substring("data: ".length()));
            }
        }
        return out;
    }

    private JsonObject state() {
        return get("/scorpio/state").bodyAsJsonObject();
    }

    private double metric(String name, String labels) {
        String text = get("/metrics").bodyAsString();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{" + labels + "[^}]*\\} (\\S+)$", Pattern.MULTILINE)
                .matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private void assertNothingLive() {
        eventually("no live request, stream, registry entry or KV block", () -> {
            JsonObject s = state();
            JsonObject e = s.getJsonArray("engines").getJsonObject(0);
            return s.getInteger("tracked") == 0 && s.getInteger("open_streams") == 0 && s.getInteger("registry_entries") == 0
                    && e.getInteger("live") == 0 && e.getInteger("kv_blocks_used") == 0 && e.getInteger("admitted") == 0;
        });
    }

    // ---- completions ----

    @Test
    void streamedCompletionHasOpenAiChunksUsageAndDone() {
        String prompt = "Write a haiku about the sea";
        HttpResponse<Buffer> r = post("/v1/completions", completion(prompt, 6).put("stream", true)
                .put("stream_options", new JsonObject().put("include_usage", true)));
        assertEquals(200, r.statusCode());
        assertTrue(r.getHeader("content-type").startsWith("text/event-stream"));
        List<String> data = sseData(r.bodyAsString());
        assertEquals("[DONE]", data.get(data.size() - 1));
        List<JsonObject> chunks = data.subList(0, data.size() - 1).stream().map(JsonObject::new).toList();
        assertEquals(7, chunks.size(), "six token chunks and a usage chunk");
        String id = chunks.get(0).getString("id");
        assertTrue(id.startsWith("cmpl-"));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            JsonObject c = chunks.get(i);
            assertEquals(id, c.getString("id"));
            assertEquals("text_completion", c.getString("object"));
            assertEquals(MODEL, c.getString("model"));
            assertNotNull(c.getLong("created"));
            assertTrue(c.containsKey("usage") && c.getValue("usage") == null, "usage: null on token chunks");
            JsonObject choice = c.getJsonArray("choices").getJsonObject(0);
            assertEquals(0, choice.getInteger("index"));
            assertTrue(choice.containsKey("logprobs"));
            assertEquals(i == 5 ? "length" : null, choice.getString("finish_reason"));
            text.append(choice.getString("text"));
        }
        assertFalse(text.toString().isBlank());
        JsonObject usage = chunks.get(6);
        assertEquals(0, usage.getJsonArray("choices").size());
        assertEquals(new JsonObject().put("prompt_tokens", cl100k(prompt)).put("completion_tokens", 6)
                .put("total_tokens", cl100k(prompt) + 6), usage.getJsonObject("usage"));
        assertNothingLive();
    }

    @Test
    void streamedChatStartsWithTheRoleAndHasNoUsageUnlessAsked() {
        JsonObject body = new JsonObject().put("model", MODEL).put("stream", true).put("max_tokens", 3)
                .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Hi there")));
        HttpResponse<Buffer> r = post("/v1/chat/completions", body);
        assertEquals(200, r.statusCode());
        List<String> data = sseData(r.bodyAsString());
        assertEquals("[DONE]", data.get(data.size() - 1));
        List<JsonObject> chunks = data.subList(0, data.size() - 1).stream().map(JsonObject::new).toList();
        assertEquals(4, chunks.size(), "a role chunk and three token chunks");
        JsonObject first = chunks.get(0).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
        assertEquals("assistant", first.getString("role"));
        assertEquals("", first.getString("content"));
        for (int i = 1; i < 4; i++) {
            JsonObject c = chunks.get(i);
            assertEquals("chat.completion.chunk", c.getString("object"));
            assertTrue(c.getString("id").startsWith("chatcmpl-"));
            assertFalse(c.containsKey("usage"), "no usage field without include_usage");
            JsonObject choice = c.getJsonArray("choices").getJsonObject(0);
            assertNotNull(choice.getJsonObject("delta").getString("content"));
            assertNull(choice.getJsonObject("delta").getString("role"));
            assertEquals(i == 3 ? "length" : null, choice.getString("finish_reason"));
        }
    }

    @Test
    void plainJsonCompletionAndChatCountRealTokens() {
        String prompt = "Summarise the plot of Hamlet in one line.";
        HttpResponse<Buffer> r = post("/v1/completions", completion(prompt, 4));
        assertEquals(200, r.statusCode());
        JsonObject body = r.bodyAsJsonObject();
        assertEquals("text_completion", body.getString("object"));
        JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
        assertEquals("length", choice.getString("finish_reason"));
        assertEquals(4, choice.getString("text").trim().split("\\s+").length, "one synthetic word per token");
        assertEquals(cl100k(prompt), body.getJsonObject("usage").getInteger("prompt_tokens"));
        assertEquals(4, body.getJsonObject("usage").getInteger("completion_tokens"));

        JsonObject chat = new JsonObject().put("model", MODEL).put("max_completion_tokens", 2).put("slo_class", "6")
                .put("messages", new JsonArray().add(new JsonObject().put("role", "system").put("content", "Be brief."))
                        .add(new JsonObject().put("role", "user").put("content", new JsonArray()
                                .add(new JsonObject().put("type", "text").put("text", "Hello")))));
        r = post("/v1/chat/completions", chat);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        body = r.bodyAsJsonObject();
        assertEquals("chat.completion", body.getString("object"));
        JsonObject message = body.getJsonArray("choices").getJsonObject(0).getJsonObject("message");
        assertEquals("assistant", message.getString("role"));
        assertEquals(2, body.getJsonObject("usage").getInteger("completion_tokens"));
        assertEquals(cl100k("system: Be brief.\nuser: Hello\nassistant:"), body.getJsonObject("usage").getInteger("prompt_tokens"));
    }

    @Test
    void samplingParametersVllmWouldTakeAreTakenAndIgnored() {
        JsonObject body = completion("Name three rivers", 4).put("temperature", 0.7).put("top_p", 1).put("top_k", -1)
                .put("min_p", 0).put("seed", 42).put("presence_penalty", -2).put("frequency_penalty", 0.5)
                .put("repetition_penalty", 1.1).put("stop", new JsonArray().add("\n")).put("logit_bias", new JsonObject())
                .put("user", "tests");
        HttpResponse<Buffer> r = post("/v1/completions", body);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        JsonObject choice = r.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0);
        assertEquals("length", choice.getString("finish_reason"), "the simulated worker runs to max_tokens: " + choice);
    }

    @Test
    void manyConcurrentStreamsAllComplete() {
        List<io.vertx.core.Future<HttpResponse<Buffer>>> all = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            all.add(web.post(port, "127.0.0.1", "/v1/completions").sendJsonObject(completion("request number " + i, 8)
                    .put("stream", i % 2 == 0).put("slo", new JsonObject().put("ttft_ms", 30000).put("tpot_ms", 1000))));
        }
        for (io.vertx.core.Future<HttpResponse<Buffer>> f : all) {
            HttpResponse<Buffer> r = await(f);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            assertTrue(r.bodyAsString().contains("\"finish_reason\":\"length\""));
        }
        assertNothingLive();
    }

    // ---- rejections ----

    @Test
    void unattainableSloGets503BeforeAnyToken() {
        double before = metric("scorpio_requests_total", "outcome=\"rejected\",reason=\"slo_unattainable_ttft\"");
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<Buffer> r = post("/v1/completions", completion("hello", 5).put("stream", stream)
                    .put("slo", new JsonObject().put("ttft_ms", 10).put("tpot_ms", 50)));
            assertEquals(503, r.statusCode());
            assertEquals("false", r.getHeader("x-should-retry"));
            assertTrue(r.getHeader("content-type").startsWith("application/json"), "a plain error, not an SSE stream");
            JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
            assertEquals("slo_unattainable_ttft", error.getString("type"));
            assertEquals("slo.ttft_ms", error.getString("param"));
            assertFalse(error.getString("message").isBlank());
        }
        // The same through the header SLO.
        HttpResponse<Buffer> r = post("/v1/completions", completion("hello", 5),
                MultiMap.caseInsensitiveMultiMap().add("x-slo-ttft-ms", "5").add("x-slo-tpot-ms", "40"));
        assertEquals(503, r.statusCode());
        assertEquals(before + 3, metric("scorpio_requests_total", "outcome=\"rejected\",reason=\"slo_unattainable_ttft\""));
        assertNothingLive();
    }

    @Test
    void promptOverThePrefillBudgetIsRefusedClearly() {
        String longPrompt = "word ".repeat(1500);
        HttpResponse<Buffer> r = post("/v1/completions", completion(longPrompt, 5));
        assertEquals(400, r.statusCode());
        assertEquals("false", r.getHeader("x-should-retry"));
        assertEquals("prompt_too_long", r.bodyAsJsonObject().getJsonObject("error").getString("type"));
    }

    // ---- bad input ----

    static Stream<Arguments> badRequests() {
        JsonObject ok = completion("hello", 5);
        return Stream.of(
                Arguments.of("/v1/completions", "{\"model\": \"llama-3.1-8b\", \"prompt\": ", 400, null),
                Arguments.of("/v1/completions", "[1, 2]", 400, null),
                Arguments.of("/v1/completions", "", 400, null),
                Arguments.of("/v1/completions", ok.copy().put("model", 7).encode(), 400, "model"),
                Arguments.of("/v1/completions", new JsonObject().put("prompt", "x").encode(), 400, "model"),
                Arguments.of("/v1/completions", ok.copy().put("model", "gpt-9").encode(), 404, "model"),
                Arguments.of("/v1/completions", new JsonObject().put("model", MODEL).encode(), 400, "prompt"),
                Arguments.of("/v1/completions", ok.copy().put("prompt", "").encode(), 400, "prompt"),
                Arguments.of("/v1/completions", ok.copy().put("prompt", 42).encode(), 400, "prompt"),
                Arguments.of("/v1/completions", ok.copy().put("prompt", new JsonArray()).encode(), 400, "prompt"),
                Arguments.of("/v1/completions", ok.copy().put("prompt", new JsonArray().add("a").add("b")).encode(), 400, "prompt"),
                Arguments.of("/v1/completions", ok.copy().put("max_tokens", 0).encode(), 400, "max_tokens"),
                Arguments.of("/v1/completions", ok.copy().put("max_tokens", -3).encode(), 400, "max_tokens"),
                Arguments.of("/v1/completions", ok.copy().put("max_tokens", 2.5).encode(), 400, "max_tokens"),
                Arguments.of("/v1/completions", ok.copy().put("max_tokens", "5").encode(), 400, "max_tokens"),
                Arguments.of("/v1/completions", ok.copy().put("max_tokens", 1_000_000_000).encode(), 400, "max_tokens"),
                Arguments.of("/v1/completions", "{\"model\":\"llama-3.1-8b\",\"prompt\":\"x\",\"max_tokens\":99999999999999999999999}",
                        400, "max_tokens"),
                Arguments.of("/v1/completions", "{\"model\":\"llama-3.1-8b\",\"prompt\":\"x\",\"slo\":{\"ttft_ms\":NaN}}", 400, null),
                Arguments.of("/v1/completions", ok.copy().put("slo", new JsonObject().put("ttft_ms", 0)).encode(), 400, "slo.ttft_ms"),
                Arguments.of("/v1/completions", ok.copy().put("slo", new JsonObject().put("tpot_ms", -1)).encode(), 400, "slo.tpot_ms"),
                Arguments.of("/v1/completions", ok.copy().put("slo", new JsonObject().put("ttft_ms", "NaN")).encode(), 400, "slo.ttft_ms"),
                Arguments.of("/v1/completions", ok.copy().put("slo", new JsonObject().put("ttft_ms", 1e12)).encode(), 400, "slo.ttft_ms"),
                Arguments.of("/v1/completions", ok.copy().put("slo", new JsonObject()).encode(), 400, "slo"),
                Arguments.of("/v1/completions", ok.copy().put("slo", 5).encode(), 400, "slo"),
                Arguments.of("/v1/completions", ok.copy().put("slo_class", "7").encode(), 400, "slo_class"),
                Arguments.of("/v1/completions", ok.copy().put("slo_class", "1").put("slo", new JsonObject().put("ttft_ms", 9))
                        .encode(), 400, "slo"),
                Arguments.of("/v1/completions", ok.copy().put("stream", "yes").encode(), 400, "stream"),
                Arguments.of("/v1/completions", ok.copy().put("stream_options", new JsonObject().put("include_usage", true))
                        .encode(), 400, "stream_options"),
                Arguments.of("/v1/completions", ok.copy().put("n", 2).encode(), 400, "n"),
                // Log probabilities and tool calls need a vLLM worker: the simulated one has none to give.
                Arguments.of("/v1/completions", ok.copy().put("logprobs", 2).encode(), 400, "logprobs"),
                Arguments.of("/v1/chat/completions", new JsonObject().put("model", MODEL).put("messages", new JsonArray()
                        .add(new JsonObject().put("role", "user").put("content", "hi"))).put("tools", new JsonArray()
                        .add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "f"))))
                        .encode(), 400, "tools"),
                // Sampling is ignored by the simulated worker, but checked as vLLM checks it (no surprise on a GPU).
                Arguments.of("/v1/completions", ok.copy().put("temperature", "hot").encode(), 400, "temperature"),
                Arguments.of("/v1/completions", ok.copy().put("temperature", -0.5).encode(), 400, "temperature"),
                Arguments.of("/v1/completions", ok.copy().put("top_p", 0).encode(), 400, "top_p"),
                Arguments.of("/v1/completions", ok.copy().put("top_p", 1.5).encode(), 400, "top_p"),
                Arguments.of("/v1/completions", ok.copy().put("presence_penalty", 3).encode(), 400, "presence_penalty"),
                Arguments.of("/v1/completions", ok.copy().put("frequency_penalty", -2.5).encode(), 400, "frequency_penalty"),
                Arguments.of("/v1/completions", ok.copy().put("top_k", -2).encode(), 400, "top_k"),
                Arguments.of("/v1/completions", ok.copy().put("seed", 1.5).encode(), 400, "seed"),
                Arguments.of("/v1/completions", ok.copy().put("stop", new JsonArray().add("a").add(1)).encode(), 400, "stop"),
                Arguments.of("/v1/completions", ok.copy().put("logit_bias", 5).encode(), 400, "logit_bias"),
                Arguments.of("/v1/chat/completions", new JsonObject().put("model", MODEL).put("messages", new JsonArray()).encode(),
                        400, "messages"),
                Arguments.of("/v1/chat/completions", new JsonObject().put("model", MODEL).put("messages", "hi").encode(),
                        400, "messages"),
                Arguments.of("/v1/chat/completions", new JsonObject().put("model", MODEL).put("messages", new JsonArray()
                        .add(new JsonObject().put("role", "wizard").put("content", "hi"))).encode(), 400, "messages[0].role"),
                Arguments.of("/v1/chat/completions", new JsonObject().put("model", MODEL).put("messages", new JsonArray()
                        .add(new JsonObject().put("role", "user").put("content", ""))).encode(), 400, "messages"));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void badInputGetsAClearOpenAiError(String path, String body, int status, String param) {
        HttpResponse<Buffer> r = post(path, body);
        assertEquals(status, r.statusCode(), r.bodyAsString());
        JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
        assertNotNull(error, r.bodyAsString());
        assertFalse(error.getString("message").isBlank());
        assertNotNull(error.getString("type"));
        assertTrue(error.containsKey("code") && error.containsKey("param"));
        if (param != null) {
            assertEquals(param, error.getString("param"));
        }
    }

    @ParameterizedTest
    @MethodSource("badHeaders")
    void badSloHeadersAre400(String ttft, String tpot) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        if (ttft != null) {
            h.add("x-slo-ttft-ms", ttft);
        }
        if (tpot != null) {
            h.add("x-slo-tpot-ms", tpot);
        }
        HttpResponse<Buffer> r = post("/v1/completions", completion("hi", 2), h);
        assertEquals(400, r.statusCode(), r.bodyAsString());
        assertTrue(r.bodyAsJsonObject().getJsonObject("error").getString("param").startsWith("x-slo-"));
    }

    static Stream<Arguments> badHeaders() {
        return Stream.of(Arguments.of("NaN", null), Arguments.of("abc", null), Arguments.of("-5", null),
                Arguments.of(null, "0"), Arguments.of(null, "Infinity"), Arguments.of("1e15", null));
    }

    @Test
    void routesMethodsAndBodyLimits() {
        HttpResponse<Buffer> r = get("/v1/nothing-here");
        assertEquals(404, r.statusCode());
        assertNotNull(r.bodyAsJsonObject().getJsonObject("error"));
        r = get("/v1/completions");
        assertEquals(405, r.statusCode());
        assertEquals("method_not_allowed", r.bodyAsJsonObject().getJsonObject("error").getString("code"));
        r = post("/v1/completions", completion("x".repeat(MAX_BODY * 2), 5));
        assertEquals(413, r.statusCode());
        assertEquals("request_too_large", r.bodyAsJsonObject().getJsonObject("error").getString("code"));
        r = get("/v1/models/other");
        assertEquals(404, r.statusCode());
    }

    @Test
    void modelsHealthReadyAndMetrics() {
        JsonObject models = get("/v1/models").bodyAsJsonObject();
        assertEquals("list", models.getString("object"));
        assertEquals(MODEL, models.getJsonArray("data").getJsonObject(0).getString("id"));
        assertEquals(200, get("/health").statusCode());
        HttpResponse<Buffer> ready = get("/ready");
        assertEquals(200, ready.statusCode(), ready.bodyAsString());
        assertEquals(200, post("/v1/completions", completion("warm up", 2)).statusCode());
        String metrics = get("/metrics").bodyAsString();
        for (String name : List.of("scorpio_requests_total", "scorpio_ttft_seconds_bucket", "scorpio_tpot_seconds_bucket",
                "scorpio_waiting_requests", "scorpio_virtual_batch_size", "scorpio_kv_usage_ratio",
                "scorpio_goodput_requests_total", "scorpio_credits_enabled", "scorpio_stream_consumers")) {
            assertTrue(metrics.contains(name), "metrics has " + name);
        }
    }

    // ---- disconnects ----

    @Test
    void sseClientDisconnectAbortsAndFreesEverything() {
        double abortedBefore = metric("scorpio_requests_total", "outcome=\"aborted\"");
        Promise<Void> firstChunk = Promise.promise();
        HttpClientResponse response = await(http.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(port)
                .setHost("127.0.0.1").setURI("/v1/completions").putHeader("content-type", "application/json"))
                .compose(req -> req.send(completion("tell me a very long story", 4000).put("stream", true).toBuffer()))
                .map(r -> r.handler(b -> firstChunk.tryComplete())));
        assertEquals(200, response.statusCode());
        await(firstChunk.future());
        eventually("the request is running", () -> state().getJsonArray("engines").getJsonObject(0).getInteger("kv_blocks_used") > 0);
        await(response.request().connection().close());
        assertNothingLive();
        eventually("the abort is counted", () -> metric("scorpio_requests_total", "outcome=\"aborted\"") == abortedBefore + 1);
    }

    @Test
    void jsonClientDisconnectAbortsToo() {
        HttpClient own = clients.createHttpClient();
        io.vertx.core.http.HttpClientRequest req = await(own.request(new RequestOptions().setMethod(HttpMethod.POST)
                .setPort(port).setHost("127.0.0.1").setURI("/v1/completions").putHeader("content-type", "application/json")));
        req.send(completion("another long story please", 4000).toBuffer());
        eventually("the request is running", () -> state().getJsonArray("engines").getJsonObject(0).getInteger("live") > 0);
        await(req.connection().close());
        assertNothingLive();
        await(own.close());
    }

    // ---- WebSocket ----

    @Test
    void webSocketProtocol() {
        WebSocketClient wsc = clients.createWebSocketClient();
        WebSocket ws = await(wsc.connect(port, "127.0.0.1", "/v1/ws"));
        List<JsonObject> received = new CopyOnWriteArrayList<>();
        ws.textMessageHandler(t -> received.add(new JsonObject(t)));

        ws.writeTextMessage(new JsonObject().put("type", "request").put("id", "a").put("model", MODEL)
                .put("prompt", "hello socket").put("max_tokens", 3).encode());
        ws.writeTextMessage(new JsonObject().put("type", "request").put("id", "r").put("model", MODEL)
                .put("prompt", "too urgent").put("max_tokens", 3).put("slo", new JsonObject().put("ttft_ms", 10)).encode());
        ws.writeTextMessage(new JsonObject().put("type", "request").put("id", "bad").put("model", MODEL)
                .put("prompt", "x").put("max_tokens", -1).encode());
        ws.writeTextMessage("{not json");
        ws.writeTextMessage(new JsonObject().put("type", "request").put("id", "huge").put("model", MODEL)
                .put("prompt", "word ".repeat(1500)).put("max_tokens", 3).encode()); // about 1,500 tokens in under 8 KB
        ws.writeTextMessage(new JsonObject().put("type", "request").put("id", "c").put("model", MODEL).put("max_tokens", 2)
                .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "chat over ws")))
                .encode());

        eventually("a, c done; r rejected; bad and the malformed one answered", () ->
                has(received, "done", "a") && has(received, "done", "c") && has(received, "rejected", "r")
                        && has(received, "rejected", "huge") && has(received, "error", "bad") && received.stream().anyMatch(m -> "error".equals(m.getString("type"))
                        && m.getValue("id") == null));

        List<JsonObject> a = received.stream().filter(m -> "a".equals(m.getString("id"))).toList();
        assertEquals(List.of("token", "token", "token", "usage", "done"), a.stream().map(m -> m.getString("type")).toList());
        assertEquals(List.of(1, 2, 3), a.subList(0, 3).stream().map(m -> m.getInteger("index")).toList());
        assertEquals(3, a.get(3).getInteger("completion_tokens"));
        assertEquals(cl100k("hello socket"), a.get(3).getInteger("prompt_tokens"));
        assertEquals("length", a.get(4).getString("finish_reason"));
        JsonObject rejected = one(received, "rejected", "r");
        assertEquals(503, rejected.getInteger("status"));
        assertEquals("slo_unattainable_ttft", rejected.getJsonObject("error").getString("type"));
        assertFalse(received.stream().anyMatch(m -> "r".equals(m.getString("id")) && "token".equals(m.getString("type"))));
        // A prompt the guard would refuse is refused at the ingress, before tokenizing it all, but answered alike.
        assertEquals(400, one(received, "rejected", "huge").getInteger("status"));
        assertEquals("prompt_too_long", one(received, "rejected", "huge").getJsonObject("error").getString("code"));
        assertEquals(400, one(received, "error", "bad").getInteger("status"));
        assertEquals("max_tokens", one(received, "error", "bad").getJsonObject("error").getString("param"));

        // An explicit abort ends the request with an error of status 499 and frees it.
        ws.writeTextMessage(new JsonObject().put("type", "request").put("id", "long").put("model", MODEL)
                .put("prompt", "go on and on").put("max_tokens", 4000).encode());
        eventually("long streams", () -> has(received, "token", "long"));
        ws.writeTextMessage(new JsonObject().put("type", "abort").put("id", "long").encode());
        eventually("abort acknowledged", () -> has(received, "error", "long"));
        assertEquals(499, one(received, "error", "long").getInteger("status"));
        assertNothingLive();

        // Closing the socket aborts what still runs on it.
        ws.writeTextMessage(new JsonObject().put("type", "request").put("id", "long2").put("model", MODEL)
                .put("prompt", "go on and on again").put("max_tokens", 4000).encode());
        eventually("long2 streams", () -> has(received, "token", "long2"));
        await(ws.close());
        assertNothingLive();
        await(wsc.close());
    }

    @Test
    void webSocketEndpointRefusesPlainHttp() {
        HttpResponse<Buffer> r = get("/v1/ws");
        assertEquals(400, r.statusCode());
        assertNotNull(r.bodyAsJsonObject().getJsonObject("error"));
    }

    private static boolean has(List<JsonObject> msgs, String type, String id) {
        return msgs.stream().anyMatch(m -> type.equals(m.getString("type")) && id.equals(m.getString("id")));
    }

    private static JsonObject one(List<JsonObject> msgs, String type, String id) {
        return msgs.stream().filter(m -> type.equals(m.getString("type")) && id.equals(m.getString("id"))).findFirst()
                .orElseThrow();
    }

    // ---- the registry in Hazelcast ----

    @Test
    void liveRequestsAreVisibleInHazelcastWhileTheyRun() {
        Promise<Void> firstChunk = Promise.promise();
        HttpClientResponse response = await(http.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(port)
                .setHost("127.0.0.1").setURI("/v1/completions").putHeader("content-type", "application/json"))
                .compose(req -> req.send(completion("registry check", 4000).put("stream", true).toBuffer()))
                .map(r -> r.handler(b -> firstChunk.tryComplete())));
        await(firstChunk.future());
        var map = node.hazelcast().<String, Map<String, Object>>getMap("scorpio.requests");
        eventually("the request is in the registry as running", () -> map.values().stream()
                .anyMatch(v -> "running".equals(v.get("state")) && node.settings().nodeId().equals(v.get("node"))));
        await(response.request().connection().close());
        eventually("its entry is removed", map::isEmpty);
        assertNothingLive();
    }
}
