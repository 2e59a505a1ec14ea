package io.scorpio.server;

import static io.scorpio.server.Blocking.await;
import static io.scorpio.server.Blocking.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import io.scorpio.server.config.ServerConfig;
import io.scorpio.server.security.KeyFile;
import io.scorpio.server.security.ApiKey;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with API keys on, a WebSocket Origin list and metrics on a separate port, driven by real HTTP, SSE and
 * WebSocket clients and by the official OpenAI Java SDK. Rate limits are made deterministic by a bucket of one
 * that refills once in 1000 s; no assertion depends on speed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessControlEndToEndTest {

    private static final String MODEL = "llama-3.1-8b";
    private static final String GOOD_ORIGIN = "https://dash.example";
    /** SLOs no run can miss: requests held to them always count as met. */
    private static final JsonObject LAX_SLO = new JsonObject().put("ttft_ms", 3_600_000).put("tpot_ms", 3_600_000);

    @TempDir
    static Path dir;
    private ScorpioNode node;
    private Vertx clients;
    private WebClient web;
    private int port;
    private int metricsPort;
    private final Map<String, String> tokens = new LinkedHashMap<>();

    @BeforeAll
    void startNode() throws Exception {
        Map<String, ApiKey> keys = new LinkedHashMap<>();
        issue(keys, "full", Set.of("*"), 0, 1);
        issue(keys, "classes-4-6", Set.of("4", "6"), 0, 1);
        issue(keys, "slow", Set.of("*"), 0.001, 1);
        issue(keys, "slow-ws", Set.of("*"), 0.001, 1);
        Path file = dir.resolve("keys.json");
        KeyFile.write(file, keys);
        String text = Files.readString(file);
        tokens.values().forEach(t -> assertFalse(text.contains(t.substring(t.indexOf('.') + 1)), "no secret in the file"));

        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "hazelcast.mode", "none",
                "auth.keys-file", file.toString(),
                "auth.allowed-origins", GOOD_ORIGIN + ", http://other.example",
                "metrics.port", "0"), List.of()));
        port = node.port();
        metricsPort = node.metricsPort();
        clients = Vertx.vertx();
        web = WebClient.create(clients);
    }

    private void issue(Map<String, ApiKey> keys, String id, Set<String> classes, double rate, int burst) {
        KeyFile.Issued issued = KeyFile.issue(id, classes, rate, burst);
        keys.put(id, issued.key());
        tokens.put(id, issued.token());
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

    private HttpResponse<Buffer> post(String path, JsonObject body, String token) {
        HttpRequest<Buffer> r = web.post(port, "127.0.0.1", path).putHeader("content-type", "application/json");
        if (token != null) {
            r.putHeader("authorization", "Bearer " + token);
        }
        return await(r.sendBuffer(body.toBuffer()));
    }

    private static JsonObject completion(String prompt) {
        return new JsonObject().put("model", MODEL).put("prompt", prompt).put("max_tokens", 3);
    }

    private static void assertError(HttpResponse<Buffer> r, int status, String code) {
        assertEquals(status, r.statusCode(), r.bodyAsString());
        assertEquals("application/json", r.getHeader("content-type"));
        JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
        assertNotNull(error, r.bodyAsString());
        assertEquals(code, error.getString("code"));
        assertNotNull(error.getString("message"));
        assertNotNull(error.getString("type"));
        assertTrue(error.containsKey("param"));
    }

    private double metric(String name, String labels) {
        String text = await(web.get(metricsPort, "127.0.0.1", "/metrics").send()).bodyAsString();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{" + labels + "[^}]*\\} (\\S+)$", Pattern.MULTILINE)
                .matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    // ---- 401 ----

    @Test
    void missingOrUnknownKeyIs401() {
        double before = metric("scorpio_auth_failures_total", "");
        HttpResponse<Buffer> missing = post("/v1/completions", completion("hi"), null);
        assertError(missing, 401, "missing_api_key");
        assertEquals("Bearer", missing.getHeader("www-authenticate"));
        assertError(post("/v1/completions", completion("hi"), "sk-scorpio-nobody.c2VjcmV0"), 401, "invalid_api_key");
        assertError(post("/v1/completions", completion("hi"), "not-even-a-token"), 401, "invalid_api_key");
        String full = tokens.get("full");
        // The right id with a wrong secret is as unknown as an unknown id.
        assertError(post("/v1/chat/completions", completion("hi"), full.substring(0, full.indexOf('.') + 1) + "AAAA"), 401,
                "invalid_api_key");
        assertError(await(web.get(port, "127.0.0.1", "/v1/models").send()), 401, "missing_api_key");
        assertEquals(200, await(web.get(port, "127.0.0.1", "/v1/models").putHeader("authorization", "Bearer " + full).send())
                .statusCode());
        assertEquals(before + 5, metric("scorpio_auth_failures_total", ""));
        assertTrue(metric("scorpio_auth_failures_total", "reason=\"invalid_api_key\",status=\"401\"") >= 3);
        // Liveness stays open for probes.
        assertEquals(200, await(web.get(port, "127.0.0.1", "/health").send()).statusCode());
    }

    // ---- 403 ----

    @Test
    void classesOutsideTheKeyAre403AndNoSloMeansTheKeysFirstClass() {
        String token = tokens.get("classes-4-6");
        assertError(post("/v1/completions", completion("hi").put("slo_class", "1"), token), 403, "slo_class_not_allowed");
        assertError(post("/v1/completions", completion("hi").put("slo", LAX_SLO), token), 403, "slo_class_not_allowed");
        HttpResponse<Buffer> headerSlo = await(web.post(port, "127.0.0.1", "/v1/completions")
                .putHeader("authorization", "Bearer " + token).putHeader("x-slo-ttft-ms", "9000")
                .sendJsonObject(completion("hi")));
        assertError(headerSlo, 403, "slo_class_not_allowed");

        double class6 = metric("scorpio_slo_class_requests_total", "outcome=\"completed\",slo_class=\"6\"");
        double class4 = metric("scorpio_slo_class_requests_total", "outcome=\"completed\",slo_class=\"4\"");
        assertEquals(200, post("/v1/completions", completion("hi").put("slo_class", "6"), token).statusCode());
        HttpResponse<Buffer> noSlo = post("/v1/completions", completion("hi"), token);
        assertEquals(200, noSlo.statusCode(), noSlo.bodyAsString());
        assertEquals(class6 + 1, metric("scorpio_slo_class_requests_total", "outcome=\"completed\",slo_class=\"6\""));
        // No SLO named: held to the key's first class in slo.classes order (4), not to the node's default.
        assertEquals(class4 + 1, metric("scorpio_slo_class_requests_total", "outcome=\"completed\",slo_class=\"4\""));
        assertTrue(metric("scorpio_auth_failures_total", "reason=\"slo_class_not_allowed\",status=\"403\"") >= 3);
    }

    // ---- 429 ----

    @Test
    void pastTheRateIs429WithRetryAfter() {
        String token = tokens.get("slow");
        // Burst 1: the first request takes the only token, which comes back after 1000 s.
        assertEquals(200, post("/v1/completions", completion("first"), token).statusCode());
        HttpResponse<Buffer> second = post("/v1/completions", completion("second"), token);
        assertError(second, 429, "rate_limit_exceeded");
        long retryAfter = Long.parseLong(second.getHeader("retry-after"));
        assertTrue(retryAfter >= 990 && retryAfter <= 1000, "one token per 1000 s: " + retryAfter);
        assertEquals("requests", second.bodyAsJsonObject().getJsonObject("error").getString("type"));
        assertTrue(metric("scorpio_auth_failures_total", "reason=\"rate_limit_exceeded\",status=\"429\"") >= 1);
        // Other keys are not affected.
        assertEquals(200, post("/v1/completions", completion("other key"), tokens.get("full")).statusCode());
    }

    // ---- a valid key over SSE and WebSocket ----

    @Test
    void validKeyStreamsOverSse() {
        HttpResponse<Buffer> r = post("/v1/chat/completions", new JsonObject().put("model", MODEL).put("max_tokens", 3)
                .put("stream", true).put("slo", LAX_SLO).put("messages", new io.vertx.core.json.JsonArray()
                        .add(new JsonObject().put("role", "user").put("content", "hello"))), tokens.get("full"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertTrue(r.getHeader("content-type").startsWith("text/event-stream"));
        assertTrue(r.bodyAsString().endsWith("data: [DONE]\n\n"), r.bodyAsString());
    }

    private WebSocketConnectOptions wsOptions(String token, String origin) {
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/v1/ws");
        if (token != null) {
            o.addHeader("authorization", "Bearer " + token);
        }
        if (origin != null) {
            o.addHeader("origin", origin);
        } else {
            o.setAllowOriginHeader(false); // Vert.x's client sends its own Origin unless told not to
        }
        return o;
    }

    private static boolean has(List<JsonObject> received, String type, String id) {
        return received.stream().anyMatch(m -> type.equals(m.getString("type")) && id.equals(m.getString("id")));
    }

    @Test
    void webSocketChecksKeyOriginClassAndRate() {
        WebSocketClient wsc = clients.createWebSocketClient();
        Throwable noKey = assertThrows(AssertionError.class, () -> await(wsc.connect(wsOptions(null, GOOD_ORIGIN)))).getCause();
        assertEquals(401, assertInstanceOf(UpgradeRejectedException.class, rootCause(noKey)).getStatus());
        Throwable badOrigin = assertThrows(AssertionError.class,
                () -> await(wsc.connect(wsOptions(tokens.get("full"), "https://evil.example")))).getCause();
        assertEquals(403, assertInstanceOf(UpgradeRejectedException.class, rootCause(badOrigin)).getStatus());
        assertTrue(metric("scorpio_auth_failures_total", "reason=\"origin_not_allowed\",status=\"403\"") >= 1);

        // A listed origin with a valid key streams; so does a non-browser client that sends no Origin.
        for (String origin : new String[] {GOOD_ORIGIN, null}) {
            WebSocket ws = await(wsc.connect(wsOptions(tokens.get("full"), origin)));
            List<JsonObject> received = new CopyOnWriteArrayList<>();
            ws.textMessageHandler(t -> received.add(new JsonObject(t)));
            ws.writeTextMessage(completion("over the socket").put("type", "request").put("id", "a").put("slo", LAX_SLO).encode());
            eventually("a done", () -> has(received, "done", "a"));
            await(ws.close());
        }

        // Per-request rate and class checks on the socket: error frames with the HTTP status, the socket stays open.
        WebSocket ws = await(wsc.connect(wsOptions(tokens.get("slow-ws"), null)));
        List<JsonObject> received = new CopyOnWriteArrayList<>();
        ws.textMessageHandler(t -> received.add(new JsonObject(t)));
        ws.writeTextMessage(completion("one").put("type", "request").put("id", "one").encode());
        eventually("one done", () -> has(received, "done", "one"));
        ws.writeTextMessage(completion("two").put("type", "request").put("id", "two").encode());
        eventually("two refused", () -> has(received, "error", "two"));
        JsonObject two = received.stream().filter(m -> "two".equals(m.getString("id"))).findFirst().orElseThrow();
        assertEquals(429, two.getInteger("status"));
        assertEquals("rate_limit_exceeded", two.getJsonObject("error").getString("code"));
        await(ws.close());

        WebSocket limited = await(wsc.connect(wsOptions(tokens.get("classes-4-6"), null)));
        List<JsonObject> got = new CopyOnWriteArrayList<>();
        limited.textMessageHandler(t -> got.add(new JsonObject(t)));
        limited.writeTextMessage(completion("x").put("type", "request").put("id", "c1").put("slo_class", "1").encode());
        eventually("c1 refused", () -> has(got, "error", "c1"));
        assertEquals(403, got.get(0).getInteger("status"));
        await(limited.close());
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    // ---- metrics on their own port ----

    @Test
    void metricsLiveOnTheirOwnPortOnly() {
        assertTrue(metricsPort != port);
        HttpResponse<Buffer> onMain = await(web.get(port, "127.0.0.1", "/metrics").send());
        assertEquals(404, onMain.statusCode());
        assertEquals(404, await(web.get(port, "127.0.0.1", "/scorpio/state").send()).statusCode());
        HttpResponse<Buffer> onOps = await(web.get(metricsPort, "127.0.0.1", "/metrics").send());
        assertEquals(200, onOps.statusCode());
        assertTrue(onOps.bodyAsString().contains("scorpio_ttft_seconds"));
        assertEquals(200, await(web.get(metricsPort, "127.0.0.1", "/scorpio/state").send()).statusCode());
    }

    @Test
    void theDashboardLivesBesideTheMetricsNotOnThePublicPort() {
        // Issue 17: with keys on, the dashboard answered on the public port without a key.
        assertEquals(404, await(web.get(port, "127.0.0.1", "/dashboard/data").send()).statusCode());
        assertEquals(404, await(web.get(port, "127.0.0.1", "/dashboard").send()).statusCode());
        assertEquals(200, await(web.get(metricsPort, "127.0.0.1", "/dashboard/data").send()).statusCode());
    }

    @Test
    void withoutAMetricsPortTheDashboardNeedsAKey() throws Exception {
        ScorpioNode plain = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of("http.port", "0", "hazelcast.mode", "none",
                "predictor", "none", "auth.keys-file", dir.resolve("keys.json").toString()), List.of()));
        try {
            int p = plain.port();
            assertError(await(web.get(p, "127.0.0.1", "/dashboard/data").send()), 401, "missing_api_key");
            assertError(await(web.get(p, "127.0.0.1", "/dashboard").send()), 401, "missing_api_key");
            assertEquals(200, await(web.get(p, "127.0.0.1", "/dashboard/data")
                    .putHeader("authorization", "Bearer " + tokens.get("full")).send()).statusCode());
            assertEquals(200, await(web.get(p, "127.0.0.1", "/metrics").send()).statusCode(), "/metrics is unchanged");
        } finally {
            plain.close();
        }
    }

    @Test
    void aKeyRunsAtMostItsCapOfConcurrentRequests() throws Exception {
        ScorpioNode capped = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of("http.port", "0", "hazelcast.mode", "none",
                "predictor", "none", "auth.keys-file", dir.resolve("keys.json").toString(),
                "auth.max-concurrent-per-key", "2"), List.of()));
        JsonWebSocket socket = JsonWebSocket.open(capped.port(), Map.of("Authorization", "Bearer " + tokens.get("full")));
        java.net.http.WebSocket ws = socket.ws();
        java.util.concurrent.BlockingQueue<JsonObject> received = socket.received();
        try {
            for (String id : List.of("a", "b", "c")) {
                ws.sendText(new JsonObject().put("type", "request").put("id", id).put("model", MODEL).put("prompt", "hello")
                        .put("max_tokens", 3000).encode(), true).get(5, java.util.concurrent.TimeUnit.SECONDS);
            }
            JsonObject refusal = next(received, "c");
            assertEquals("error", refusal.getString("type"), refusal.encode());
            assertEquals(429, refusal.getInteger("status"), refusal.encode());
            assertEquals("too_many_concurrent_requests", refusal.getJsonObject("error").getString("code"));
            // One ends: the key has a slot again.
            ws.sendText(new JsonObject().put("type", "abort").put("id", "a").encode(), true).get(5, java.util.concurrent.TimeUnit.SECONDS);
            next(received, "a");
            ws.sendText(new JsonObject().put("type", "request").put("id", "d").put("model", MODEL).put("prompt", "hello")
                    .put("max_tokens", 3000).encode(), true).get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals("token", next(received, "d").getString("type"));
        } finally {
            ws.abort();
            capped.close();
        }
    }

    /** The next message for a request id other than a token of a, b (their streams run on). */
    private static JsonObject next(java.util.concurrent.BlockingQueue<JsonObject> received, String id) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonObject m = received.poll(1, java.util.concurrent.TimeUnit.SECONDS);
            if (m != null && id.equals(m.getString("id")) && !("token".equals(m.getString("type")) && !id.equals("d"))) {
                return m;
            }
        }
        throw new AssertionError("no message for " + id);
    }

    @Test
    void sloAdherenceGoodputAndPredictorLatencyMove() {
        String labels = "slo_class=\"custom\"";
        double met = metric("scorpio_slo_class_goodput_requests_total", labels);
        double ended = metric("scorpio_slo_class_requests_total", "outcome=\"completed\"," + labels);
        double predictions = metric("scorpio_predictor_latency_seconds_count", "");
        assertEquals(200, post("/v1/completions", completion("met for sure").put("slo", LAX_SLO), tokens.get("full")).statusCode());
        assertEquals(met + 1, metric("scorpio_slo_class_goodput_requests_total", labels));
        assertEquals(ended + 1, metric("scorpio_slo_class_requests_total", "outcome=\"completed\"," + labels));
        assertTrue(metric("scorpio_predictor_latency_seconds_count", "") >= predictions + 1);
        assertTrue(metric("scorpio_predictor_latency_seconds_bucket", "") > 0);

        // A rejection counts against its class: the TTFT no schedule can meet.
        double rejected = metric("scorpio_slo_class_requests_total", "outcome=\"rejected\"," + labels);
        HttpResponse<Buffer> r = post("/v1/completions", completion("too urgent").put("slo",
                new JsonObject().put("ttft_ms", 1).put("tpot_ms", 50)), tokens.get("full"));
        assertEquals(503, r.statusCode(), r.bodyAsString());
        assertEquals(rejected + 1, metric("scorpio_slo_class_requests_total", "outcome=\"rejected\"," + labels));
    }

    // ---- the official OpenAI Java SDK ----

    @Test
    void openAiJavaSdkStreamsWithAKeyAndSees401WithoutOne() {
        String base = "http://127.0.0.1:" + port + "/v1";
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(base).apiKey(tokens.get("full")).maxRetries(0).build();
        try {
            CompletionCreateParams params = CompletionCreateParams.builder().model(MODEL).prompt("Hello from the SDK")
                    .maxTokens(4).build();
            StringBuilder text = new StringBuilder();
            int chunks = 0;
            try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
                for (Completion c : (Iterable<Completion>) stream.stream()::iterator) {
                    chunks++;
                    c.choices().forEach(choice -> text.append(choice.text()));
                }
            }
            assertEquals(4, chunks);
            assertFalse(text.toString().isBlank());
        } finally {
            client.close();
        }
        OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(base).apiKey("sk-scorpio-nobody.x").maxRetries(0).build();
        try {
            UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> wrong.completions().create(
                    CompletionCreateParams.builder().model(MODEL).prompt("Hi").maxTokens(2).build()));
            assertEquals(401, e.statusCode());
        } finally {
            wrong.close();
        }
    }
}
