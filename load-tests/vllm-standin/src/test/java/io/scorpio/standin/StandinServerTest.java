package io.scorpio.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stand-in through real HTTP, as a vLLM client or a Scorpio node meets it. */
class StandinServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Vertx vertx;
    private String base;

    private void start(Map<String, String> flags) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(Map.of("port", "0", "time-scale", "0.05"));
        all.putAll(flags);
        vertx = Vertx.vertx();
        StandinServer server = new StandinServer(StandinOptions.parse(all));
        vertx.deployVerticle(server).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private HttpResponse<String> post(String path, JsonObject body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<JsonObject> events(String sse) {
        List<JsonObject> out = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {")) {
                out.add(new JsonObject(line.substring(6)));
            }
        }
        return out;
    }

    @Test
    void aStreamedCompletionWithIgnoreEosRunsToMaxTokensThenReportsUsage() throws Exception {
        start(Map.of());
        HttpResponse<String> r = post("/v1/completions", new JsonObject().put("model", "llama-3.1-8b")
                .put("prompt", "Hello there").put("max_tokens", 12).put("ignore_eos", true).put("stream", true)
                .put("stream_options", new JsonObject().put("include_usage", true)).put("temperature", 0.7)
                .put("seed", 7));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        List<JsonObject> events = events(r.body());
        assertEquals(13, events.size(), "12 tokens and the usage chunk");
        assertEquals("length", events.get(11).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
        JsonObject usage = events.get(12).getJsonObject("usage");
        assertEquals(12, usage.getInteger("completion_tokens"));
        assertEquals(usage.getInteger("prompt_tokens") + 12, usage.getInteger("total_tokens"));
        // What the client sent comes back, so pass-through can be checked.
        JsonObject echoed = new JsonObject(new String(Base64.getUrlDecoder().decode(
                r.headers().firstValue(StandinServer.ECHO_HEADER).orElseThrow()), StandardCharsets.UTF_8));
        assertEquals(0.7, echoed.getDouble("temperature"));
        assertEquals(7, echoed.getInteger("seed"));
    }

    @Test
    void withoutIgnoreEosTheSamePromptStopsAtTheSameLengthAndAWholeChatResponseCarriesUsage() throws Exception {
        start(Map.of());
        JsonObject chat = new JsonObject().put("model", "llama-3.1-8b").put("max_tokens", 2000)
                .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user")
                        .put("content", "What is a scheduler?")));
        JsonObject a = new JsonObject(post("/v1/chat/completions", chat).body());
        JsonObject b = new JsonObject(post("/v1/chat/completions", chat).body());
        assertEquals("chat.completion", a.getString("object"));
        int n = a.getJsonObject("usage").getInteger("completion_tokens");
        assertEquals(n, b.getJsonObject("usage").getInteger("completion_tokens"), "reproducible per prompt");
        assertEquals(Math.min(2000, OutputLength.of("What is a scheduler?\n")), n);
        assertEquals(n < 2000 ? "stop" : "length", a.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
        assertEquals("assistant", a.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("role"));
    }

    @Test
    void aKnownPromptStopsAtItsReplayedAnswerLengthUnlessMaxTokensCapsIt() throws Exception {
        String known = "Explain how vLLM schedules a batch.";
        String chatKnown = "And what does chunked prefill change?";
        Path file = Files.createTempFile("answer-lengths", ".tsv");
        try {
            AnswerLengths.write(file, Map.of(known, 37, chatKnown, 23));
            start(Map.of("answer-lengths", file.toString()));
        } finally {
            Files.delete(file); // read at start: the stand-in keeps the lengths, not the file
        }
        // Streamed, as a benchmark client without ignore_eos sends it: the real answer's length, finish "stop".
        List<JsonObject> events = events(post("/v1/completions", completion(known, 2000).put("stream", true)
                .put("stream_options", new JsonObject().put("include_usage", true))).body());
        assertEquals(37, events.get(events.size() - 1).getJsonObject("usage").getInteger("completion_tokens"));
        assertEquals("stop", events.get(events.size() - 2).getJsonArray("choices").getJsonObject(0)
                .getString("finish_reason"));
        // max_tokens below the answer cuts it, as vLLM does.
        JsonObject capped = new JsonObject(post("/v1/completions", completion(known, 20)).body());
        assertEquals(20, capped.getJsonObject("usage").getInteger("completion_tokens"));
        assertEquals("length", capped.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
        // ignore_eos still runs to max_tokens.
        JsonObject forced = new JsonObject(post("/v1/completions", completion(known, 50).put("ignore_eos", true)).body());
        assertEquals(50, forced.getJsonObject("usage").getInteger("completion_tokens"));
        // A chat request is looked up by its last message.
        JsonObject chat = new JsonObject(post("/v1/chat/completions", new JsonObject().put("model", "llama-3.1-8b")
                .put("max_tokens", 2000).put("messages", new io.vertx.core.json.JsonArray()
                        .add(new JsonObject().put("role", "user").put("content", known))
                        .add(new JsonObject().put("role", "assistant").put("content", "It batches."))
                        .add(new JsonObject().put("role", "user").put("content", chatKnown)))).body());
        assertEquals(23, chat.getJsonObject("usage").getInteger("completion_tokens"));
        // An unknown prompt keeps its drawn length.
        String unknown = "A prompt the file does not know.";
        JsonObject drawn = new JsonObject(post("/v1/completions", completion(unknown, 2000)).body());
        assertEquals(Math.min(2000, OutputLength.of(unknown)), drawn.getJsonObject("usage").getInteger("completion_tokens"));
    }

    @Test
    void answerLengthsAreGivenInProcessToo() throws Exception {
        vertx = Vertx.vertx();
        StandinServer server = new StandinServer(StandinOptions.parse(Map.of("port", "0", "time-scale", "0.05"))
                .withAnswerLengths(AnswerLengths.of(Map.of("hello", 9))));
        vertx.deployVerticle(server).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + server.port();
        assertEquals(9, new JsonObject(post("/v1/completions", completion("hello", 100)).body())
                .getJsonObject("usage").getInteger("completion_tokens"));
    }

    @Test
    void aMalformedAnswerLengthsFileIsRefusedWithItsLine() throws Exception {
        Path file = Files.createTempFile("answer-lengths", ".tsv");
        try {
            Files.writeString(file, "# comment\n\n" + AnswerLengths.key("a") + "\t5\nnot-a-hash 7\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StandinOptions.parse(Map.of("answer-lengths", file.toString())));
            assertTrue(e.getMessage().contains("line 4"), e.getMessage());
            Files.writeString(file, AnswerLengths.key("a") + " 5\n" + AnswerLengths.key("a") + " 6\n");
            assertThrows(IllegalArgumentException.class, () -> AnswerLengths.read(file), "two lengths for one prompt");
            Files.writeString(file, AnswerLengths.key("a") + " 5\n");
            assertEquals(5, AnswerLengths.read(file).lookup("a").getAsInt());
            assertTrue(AnswerLengths.read(file).lookup("b").isEmpty());
        } finally {
            Files.delete(file);
        }
        assertThrows(IllegalArgumentException.class, () -> StandinOptions.parse(Map.of("answer-lengths",
                "/nonexistent/answers.tsv")));
    }

    private static JsonObject completion(String prompt, int maxTokens) {
        return new JsonObject().put("model", "llama-3.1-8b").put("prompt", prompt).put("max_tokens", maxTokens);
    }

    @Test
    void badParametersGetVllmsErrorBody() throws Exception {
        start(Map.of());
        HttpResponse<String> badTopP = post("/v1/completions", new JsonObject().put("model", "llama-3.1-8b")
                .put("prompt", "x").put("top_p", 1.5));
        assertEquals(400, badTopP.statusCode());
        JsonObject e = new JsonObject(badTopP.body());
        assertEquals("error", e.getString("object"));
        assertEquals("BadRequestError", e.getString("type"));
        assertEquals(400, e.getInteger("code"));
        assertTrue(e.getString("message").contains("top_p"), e.encode());

        HttpResponse<String> model = post("/v1/completions", new JsonObject().put("model", "gpt-4").put("prompt", "x"));
        assertEquals(404, model.statusCode());
        assertTrue(new JsonObject(model.body()).getString("message").contains("`gpt-4` does not exist"));

        HttpResponse<String> tooLong = post("/v1/completions", new JsonObject().put("model", "llama-3.1-8b")
                .put("prompt", "x").put("max_tokens", 9000));
        assertEquals(400, tooLong.statusCode());
        assertTrue(new JsonObject(tooLong.body()).getString("message").contains("maximum context length is 8192"));

        HttpResponse<String> priority = post("/v1/completions", new JsonObject().put("model", "llama-3.1-8b")
                .put("prompt", "x").put("priority", 5));
        assertEquals(400, priority.statusCode(), "priority needs --scheduling-policy priority");

        HttpResponse<String> unknown = post("/v1/completions", new JsonObject().put("model", "llama-3.1-8b")
                .put("prompt", "x").put("tempreature", 1));
        assertEquals(400, unknown.statusCode(), "a misspelt field is refused, never dropped");
    }

    @Test
    void withPrioritySchedulingTheLowestPriorityValueRunsFirst() throws Exception {
        // One sequence at a time, slow enough that every request queues behind the first.
        start(Map.of("scheduling-policy", "priority", "max-num-seqs", "1", "time-scale", "0.5"));
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        int[] priorities = {0, 9, 5, 1};
        long[] endAt = new long[priorities.length];
        for (int i = 0; i < priorities.length; i++) {
            int k = i;
            JsonObject body = new JsonObject().put("model", "llama-3.1-8b").put("prompt", "request " + i)
                    .put("max_tokens", i == 0 ? 100 : 8).put("ignore_eos", true).put("priority", priorities[i]);
            all.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                    .build(), HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> endAt[k] = System.nanoTime()));
            Thread.sleep(i == 0 ? 100 : 20); // the first is running before the others arrive
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            assertEquals(200, f.get(60, TimeUnit.SECONDS).statusCode());
        }
        // After the first (running when the others came): priority 1, then 5, then 9.
        assertTrue(endAt[0] < endAt[3] && endAt[3] < endAt[2] && endAt[2] < endAt[1],
                "completion order by priority: " + java.util.Arrays.toString(endAt));
    }

    @Test
    void aClientThatLeavesIsAbortedAndTheMetricsSpeakVllmsNames() throws Exception {
        start(Map.of("time-scale", "1"));
        CompletableFuture<HttpResponse<java.io.InputStream>> streaming = http.sendAsync(HttpRequest.newBuilder(
                URI.create(base + "/v1/completions")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", "llama-3.1-8b").put("prompt", "go")
                        .put("max_tokens", 4000).put("ignore_eos", true).put("stream", true).encode())).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        java.io.InputStream in = streaming.get(30, TimeUnit.SECONDS).body();
        in.read(new byte[64]); // the stream has started
        assertTrue(metricValue("vllm:num_requests_running") == 1.0, get("/metrics").body());
        in.close(); // the client leaves
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (metricValue("vllm:num_requests_running") != 0.0) {
            assertTrue(System.nanoTime() < end, "the aborted request still runs:\n" + get("/metrics").body());
            Thread.sleep(50);
        }
        String metrics = get("/metrics").body();
        for (String name : List.of("vllm:num_requests_waiting{", "vllm:kv_cache_usage_perc{", "vllm:prompt_tokens_total{",
                "vllm:generation_tokens_total{", "vllm:time_to_first_token_seconds_bucket{",
                "vllm:time_per_output_token_seconds_count{", "vllm:e2e_request_latency_seconds_sum{",
                "vllm:request_success_total{finished_reason=\"abort\"")) {
            assertTrue(metrics.contains(name), name + " in\n" + metrics);
        }
        assertEquals(200, get("/health").statusCode());
        JsonObject models = new JsonObject(get("/v1/models").body());
        assertEquals("llama-3.1-8b", models.getJsonArray("data").getJsonObject(0).getString("id"));
    }

    private double metricValue(String name) throws Exception {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }
}
