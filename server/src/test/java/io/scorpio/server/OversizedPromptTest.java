package io.scorpio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 17, failure 1: a prompt over the prefill limit used to be tokenized in full (about 270 ms per MB on the
 * event loop, 3.7 s per MB in the predictor) before its 400 went back, and the predictor kept working on it after the
 * ingress stopped waiting, so that every later request waited the full predictor timeout. Now it is refused before
 * it is tokenized in full or predicted. Real sockets, the shipped ONNX predictor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OversizedPromptTest {

    private ScorpioNode node;
    private String base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws Exception {
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of("http.port", "0", "hazelcast.mode", "none",
                "predictor", "onnx"), List.of()));
        base = "http://127.0.0.1:" + node.port();
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/completions")).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private double metric(String name, String labels) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{" + labels + "[^}]*\\} (\\S+)$", Pattern.MULTILINE)
                .matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    @Test
    void anOversizedPromptIsRefusedAtOnceAndLaterRequestsDoNotWaitForThePredictor() throws Exception {
        // ~0.95 MB of English-like text: about 190,000 tokens, far over the 1,024-token prefill budget.
        String prompt = "The quick brown fox jumps over the lazy dog again. ".repeat(19_000);
        String body = new JsonObject().put("model", "llama-3.1-8b").put("prompt", prompt).put("max_tokens", 8).encode();
        assertTrue(body.length() < 1_048_576, "under the body limit: the prompt limit must refuse it, not the 413");
        for (int i = 0; i < 8; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = post(body);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(400, r.statusCode(), r.body());
            JsonObject error = new JsonObject(r.body()).getJsonObject("error");
            assertEquals("prompt_too_long", error.getString("code"), r.body());
            assertEquals("false", r.headers().firstValue("x-should-retry").orElse(null));
            // Before the fix: tokenized in full, then the 1 s predictor wait, every time.
            assertTrue(ms < 900, "oversized prompt " + i + " answered in " + ms + " ms");
        }
        // A normal request afterwards is predicted at once: no abandoned work is left in the predictor's queue.
        long t0 = System.nanoTime();
        HttpResponse<String> ok = post(new JsonObject().put("model", "llama-3.1-8b").put("prompt", "Write a haiku about foxes")
                .put("max_tokens", 4).put("stream", true).encode());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(ok.body().strip().endsWith("data: [DONE]"), ok.body());
        assertEquals(0.0, metric("scorpio_predictor_latency_seconds_count", "outcome=\"timeout\""),
                "no prediction timed out: the oversized prompts never reached the predictor");
        assertTrue(ms < 900, "a normal request after the oversized ones took " + ms + " ms");
        // The predictor's queue and batches are measured.
        String text = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(text.lines().anyMatch(l -> l.startsWith("scorpio_predictor_batch_seconds_count ") && !l.endsWith(" 0.0")),
                "the normal request's batch was timed");
        assertTrue(text.contains("scorpio_predictor_queued "), "queue gauge exposed");
        assertTrue(text.contains("scorpio_predictor_abandoned_total "), "abandoned counter exposed");
    }

    @Test
    void aPromptOverTheKvCacheWithMaxTokensIsRefusedWithoutTokenizingItAll() throws Exception {
        // Under the prefill budget in chars would not matter: max_tokens 8192 leaves the prompt no more than the KV cache
        // minus 8192 tokens, and the KV cache is far larger than this prompt, so this one is accepted...
        HttpResponse<String> r = post(new JsonObject().put("model", "llama-3.1-8b").put("prompt", "hello ".repeat(100))
                .put("max_tokens", 8).encode());
        assertEquals(200, r.statusCode(), r.body());
        // ...while one of exactly the budget plus one token is refused, by the same rule as the guard's.
        String over = "a".repeat(1) + " a".repeat(1024);
        HttpResponse<String> refused = post(new JsonObject().put("model", "llama-3.1-8b").put("prompt", over)
                .put("max_tokens", 8).encode());
        assertEquals(400, refused.statusCode(), refused.body());
        assertEquals("prompt_too_long", new JsonObject(refused.body()).getJsonObject("error").getString("code"));
    }
}
