package io.scorpio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, failure 3, in process: {@link ScorpioNode#drain} turns /ready 503 and refuses new requests at once, lets
 * streams that can finish within the grace period finish with [DONE], and ends the rest with an error frame that
 * names the shutdown, then [DONE]; none is cut bare. The same through SIGTERM and a node JVM: {@code NodeDrainProcessTest}.
 */
class GracefulDrainTest {

    private ScorpioNode node;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private CompletableFuture<HttpResponse<String>> stream(String base, int maxTokens) {
        String body = new JsonObject().put("model", "llama-3.1-8b").put("prompt", "Tell me a long story")
                .put("max_tokens", maxTokens).put("stream", true).put("slo", new JsonObject().put("ttft_ms", 10_000)
                        .put("tpot_ms", 1000)).encode();
        return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/completions")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A stream whose response has begun: the node took the request (headers arrive with its first event). */
    private HttpResponse<java.io.InputStream> started(String base, int maxTokens) throws Exception {
        String body = new JsonObject().put("model", "llama-3.1-8b").put("prompt", "Tell me a long story")
                .put("max_tokens", maxTokens).put("stream", true).put("slo", new JsonObject().put("ttft_ms", 10_000)
                        .put("tpot_ms", 1000)).encode();
        return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/completions")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream())
                .get(10, TimeUnit.SECONDS);
    }

    private static String rest(HttpResponse<java.io.InputStream> r) throws java.io.IOException {
        try (java.io.InputStream in = r.body()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void drainRefusesNewWorkLetsShortStreamsFinishAndEndsTheRestWithAShutdownError() throws Exception {
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of("http.port", "0", "hazelcast.mode", "none",
                "predictor", "none"), List.of()));
        String base = "http://127.0.0.1:" + node.port();
        // Each stream has begun before the drain (no sleep that a loaded machine could outlast).
        List<HttpResponse<java.io.InputStream>> long_ = List.of(started(base, 5000), started(base, 5000));
        HttpResponse<java.io.InputStream> short_ = started(base, 30);
        CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(() -> {
            try {
                return node.drain(2000);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(503, ready.statusCode(), ready.body());
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), "liveness stays up while draining");
        HttpResponse<String> refused = stream(base, 10).get(10, TimeUnit.SECONDS);
        assertEquals(503, refused.statusCode(), refused.body());
        assertEquals("server_shutting_down", new JsonObject(refused.body()).getJsonObject("error").getString("code"));

        assertEquals(200, short_.statusCode());
        String s = rest(short_);
        assertTrue(s.strip().endsWith("data: [DONE]"), s);
        assertFalse(s.contains("server_shutdown"), "the short stream finished within the grace period");

        assertEquals(2, drained.get(20, TimeUnit.SECONDS), "the two long streams were ended by the drain");
        for (HttpResponse<java.io.InputStream> r : long_) {
            assertEquals(200, r.statusCode());
            String[] events = rest(r).strip().split("\n\n");
            assertEquals("data: [DONE]", events[events.length - 1], "ends with [DONE]");
            JsonObject error = new JsonObject(events[events.length - 2].substring("data: ".length()));
            assertEquals("server_shutdown", error.getJsonObject("error").getString("code"), error.encode());
        }
    }
}
