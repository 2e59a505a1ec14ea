package io.scorpio.server;

import static io.scorpio.server.Blocking.await;
import static io.scorpio.server.Blocking.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.ServerConfig;
import io.scorpio.standin.StandinOptions;
import io.scorpio.standin.StandinServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The vLLM worker's pass-through, end to end: clients call a Scorpio node ({@code worker=vllm}) that is in front of a
 * real vLLM stand-in in this process; the stand-in's observer shows what arrived there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VllmPassThroughTest {

    private static final String MODEL = "llama-3.1-8b";

    private Vertx vertx;
    private StandinServer standin;
    private ScorpioNode node;
    private WebClient web;
    private final List<JsonObject> received = new CopyOnWriteArrayList<>();
    private final List<String> receivedPaths = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws Exception {
        vertx = Vertx.vertx();
        // A quick stand-in (steps at a tenth of the A100's time): these tests check what passes, not timing.
        standin = new StandinServer(StandinOptions.parse(Map.of("port", "0", "time-scale", "0.1")));
        await(vertx.deployVerticle(standin));
        standin.observe(new StandinServer.Observer() {
            @Override
            public void received(boolean chat, JsonObject body) {
                received.add(body.copy());
                receivedPaths.add(chat ? "/v1/chat/completions" : "/v1/completions");
            }
        });
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "worker", "vllm",
                "vllm.url", "http://127.0.0.1:" + standin.port(),
                "vllm.metrics-interval-ms", "0",
                "hazelcast.mode", "none"), List.of()));
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

    @BeforeEach
    void clear() {
        received.clear();
        receivedPaths.clear();
    }

    /** Every sampling and output parameter the stand-in (as vLLM) accepts on both endpoints, with non-default values. */
    private static JsonObject sampling() {
        return new JsonObject().put("temperature", 0.7).put("top_p", 0.9).put("top_k", 40).put("min_p", 0.05)
                .put("stop", new JsonArray().add("\n\n").add("END")).put("seed", 1234).put("presence_penalty", 0.5)
                .put("frequency_penalty", -0.25).put("repetition_penalty", 1.1)
                .put("logit_bias", new JsonObject().put("50256", -100)).put("user", "tester-7").put("min_tokens", 2)
                .put("stop_token_ids", new JsonArray().add(128009)).put("skip_special_tokens", false)
                .put("response_format", new JsonObject().put("type", "json_object")).put("n", 1)
                .put("include_stop_str_in_output", true);
    }

    private JsonObject completion(boolean stream) {
        JsonObject o = sampling().put("model", MODEL).put("prompt", "Write a limerick about queues").put("max_tokens", 12)
                .put("ignore_eos", true).put("stream", stream).put("slo", new JsonObject().put("ttft_ms", 60000)
                        .put("tpot_ms", 5000));
        if (stream) {
            o.put("stream_options", new JsonObject().put("include_usage", true));
        }
        return o;
    }

    private static JsonArray messages() {
        return new JsonArray()
                .add(new JsonObject().put("role", "system").put("content", "You answer briefly."))
                .add(new JsonObject().put("role", "user").put("content", new JsonArray()
                        .add(new JsonObject().put("type", "text").put("text", "Name three "))
                        .add(new JsonObject().put("type", "text").put("text", "schedulers."))));
    }

    private JsonObject chat(boolean stream) {
        JsonObject o = sampling().put("model", MODEL).put("messages", messages()).put("max_completion_tokens", 9)
                .put("ignore_eos", true).put("stream", stream).put("slo_class", "6")
                .put("chat_template_kwargs", new JsonObject().put("enable_thinking", false))
                .put("parallel_tool_calls", false);
        return o;
    }

    private HttpResponse<Buffer> post(String path, JsonObject body) {
        return await(web.post(node.port(), "127.0.0.1", path).sendJsonObject(body));
    }

    /** What the stand-in got must be the client's body, less Scorpio's fields, with the worker's own fields set. */
    private void assertPassedThrough(JsonObject sent, JsonObject got, int maxTokens) {
        JsonObject expected = sent.copy();
        expected.remove("slo");
        expected.remove("slo_class");
        expected.remove("max_completion_tokens");
        expected.put("max_tokens", maxTokens).put("stream", true)
                .put("stream_options", new JsonObject().put("include_usage", true));
        assertEquals(expected, got, "the stand-in received the client's request unchanged");
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

    @Test
    void completionStreamedPassesEveryParameterAndReturnsVllmsStream() {
        JsonObject sent = completion(true);
        HttpResponse<Buffer> r = post("/v1/completions", sent);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals(List.of("/v1/completions"), receivedPaths);
        assertPassedThrough(sent, received.get(0), 12);
        List<String> data = sseData(r.bodyAsString());
        assertEquals("[DONE]", data.get(data.size() - 1));
        int tokens = 0;
        String finish = null;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonArray choices = new JsonObject(d).getJsonArray("choices");
            if (!choices.isEmpty()) {
                tokens++;
                finish = choices.getJsonObject(0).getString("finish_reason");
            }
        }
        assertEquals(12, tokens, "ignore_eos passed: the stand-in ran to max_tokens");
        assertEquals("length", finish);
        assertEquals(12, new JsonObject(data.get(data.size() - 2)).getJsonObject("usage").getInteger("completion_tokens"));
    }

    @Test
    void completionWholePassesEveryParameter() {
        JsonObject sent = completion(false);
        HttpResponse<Buffer> r = post("/v1/completions", sent);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertPassedThrough(sent, received.get(0), 12);
        JsonObject body = r.bodyAsJsonObject();
        assertEquals("text_completion", body.getString("object"));
        assertEquals(" the model answers with simulated words at the pace of a real",
                body.getJsonArray("choices").getJsonObject(0).getString("text"), "the stand-in's own text");
        assertEquals(12, body.getJsonObject("usage").getInteger("completion_tokens"));
    }

    @Test
    void chatGoesToChatCompletionsWithTheMessagesAsGiven() {
        for (boolean stream : new boolean[] {true, false}) {
            clear();
            JsonObject sent = chat(stream);
            HttpResponse<Buffer> r = post("/v1/chat/completions", sent);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            assertEquals(List.of("/v1/chat/completions"), receivedPaths, "stream=" + stream);
            assertEquals(messages(), received.get(0).getJsonArray("messages"), "no hand-made template");
            assertNull(received.get(0).getValue("prompt"));
            assertPassedThrough(sent, received.get(0), 9);
            String text;
            if (stream) {
                StringBuilder sb = new StringBuilder();
                List<String> data = sseData(r.bodyAsString());
                for (String d : data.subList(0, data.size() - 1)) {
                    JsonObject delta = new JsonObject(d).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
                    sb.append(delta.getString("content", ""));
                }
                text = sb.toString();
            } else {
                JsonObject choice = r.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0);
                assertEquals("length", choice.getString("finish_reason"));
                text = choice.getJsonObject("message").getString("content");
            }
            assertEquals(" the model answers with simulated words at the pace", text,
                    "nine of the stand-in's tokens; its role chunk is not a token");
        }
    }

    @Test
    void finishReasonStopComesFromVllm() {
        // Without ignore_eos the stand-in stops by itself, before max_tokens, with finish_reason "stop".
        JsonObject sent = new JsonObject().put("model", MODEL).put("prompt", "Short answer please").put("max_tokens", 4000)
                .put("slo", new JsonObject().put("ttft_ms", 60000).put("tpot_ms", 5000));
        HttpResponse<Buffer> r = post("/v1/completions", sent);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        JsonObject body = r.bodyAsJsonObject();
        assertEquals("stop", body.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
        assertTrue(body.getJsonObject("usage").getInteger("completion_tokens") < 4000);
    }

    @Test
    void whatScorpioCannotCarryIsRefusedNotDropped() {
        record Refusal(String path, String param, Object value) {
        }
        List<Refusal> refusals = List.of(
                new Refusal("/v1/completions", "n", 2),
                new Refusal("/v1/completions", "best_of", 3),
                new Refusal("/v1/completions", "echo", true),
                new Refusal("/v1/completions", "prompt_logprobs", 1),
                new Refusal("/v1/completions", "suffix", "x"),
                new Refusal("/v1/chat/completions", "n", 3));
        for (Refusal refusal : refusals) {
            boolean chat = refusal.path().contains("chat");
            JsonObject body = (chat ? chat(false) : completion(false)).put(refusal.param(), refusal.value());
            HttpResponse<Buffer> r = post(refusal.path(), body);
            assertEquals(400, r.statusCode(), refusal + ": " + r.bodyAsString());
            JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
            assertEquals(refusal.param(), error.getString("param"), error.encode());
            assertEquals("invalid_request_error", error.getString("type"), error.encode());
            assertTrue(error.getString("message").contains("not supported"), error.encode());
        }
        assertTrue(received.isEmpty(), "nothing refused reached vLLM");
    }

    @Test
    void logprobsAndToolsAreForwardedToVllm() {
        JsonObject tools = new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("type", "function")
                .put("function", new JsonObject().put("name", "lookup").put("parameters", new JsonObject()
                        .put("type", "object"))))).put("tool_choice", "none");
        JsonObject sent = chat(true).put("logprobs", true).put("top_logprobs", 2).mergeIn(tools);
        HttpResponse<Buffer> r = post("/v1/chat/completions", sent);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertPassedThrough(sent, received.get(0), 9);
        clear();
        JsonObject completion = completion(false).put("logprobs", 0);
        assertEquals(200, post("/v1/completions", completion).statusCode());
        assertPassedThrough(completion, received.get(0), 12);
    }

    @Test
    void vllmsOwnValidationReachesTheClient() {
        // A parameter Scorpio does not interpret is vLLM's to judge: the stand-in refuses a negative temperature.
        HttpResponse<Buffer> r = post("/v1/completions", completion(false).put("temperature", -1));
        assertEquals(1, received.size());
        assertEquals(-1, received.get(0).getInteger("temperature"));
        assertEquals(400, r.statusCode(), "vLLM's own status for the client's mistake: " + r.bodyAsString());
        JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
        assertEquals("invalid_request_error", error.getString("type"));
        String message = error.getString("message");
        assertTrue(message.contains("vLLM refused the request") && message.contains("temperature must be non-negative"),
                message);
        eventually("nothing live", () -> await(web.get(node.port(), "127.0.0.1", "/scorpio/state").send())
                .bodyAsJsonObject().getInteger("tracked") == 0);
    }
}
