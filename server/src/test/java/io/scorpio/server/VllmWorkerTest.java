package io.scorpio.server;

import static io.scorpio.server.Blocking.await;
import static io.scorpio.server.Blocking.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import io.scorpio.server.config.ServerConfig;
import io.scorpio.server.engine.vllm.SseParser;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
        // Prefill, the first decode, the burst (in as many steps as TCP reads split it into), the last token once
        // vLLM's usage has come: a handful of steps, not one per token.
        assertTrue(steps <= 8, "39 tokens vLLM sent at once reach the client in a few steps, not one step each: " + steps);
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

    private HttpResponse<Buffer> postChat(JsonObject body) {
        return await(web.post(port, "127.0.0.1", "/v1/chat/completions").sendJsonObject(body));
    }

    private static JsonObject chat(String content, int maxTokens, boolean stream) {
        JsonObject o = new JsonObject().put("model", "llama-3.1-8b").put("messages", new JsonArray()
                .add(new JsonObject().put("role", "user").put("content", content))).put("max_tokens", maxTokens)
                .put("stream", stream);
        if (stream) {
            o.put("stream_options", new JsonObject().put("include_usage", true));
        }
        return o;
    }

    @Test
    void usageIsVllmsOwnCount() {
        // The fake counts 5 prompt tokens whatever the prompt; the node's own count of this prompt is not 5.
        String prompt = "Count these words the way your own tokenizer counts them";
        HttpResponse<Buffer> whole = post(completion(prompt, 4, false));
        assertEquals(5, whole.bodyAsJsonObject().getJsonObject("usage").getInteger("prompt_tokens"), whole.bodyAsString());
        List<String> data = sseData(post(completion(prompt, 4, true)).bodyAsString());
        JsonObject usage = new JsonObject(data.get(data.size() - 2)).getJsonObject("usage");
        assertEquals(new JsonObject().put("prompt_tokens", 5).put("completion_tokens", 4).put("total_tokens", 9), usage);
        assertNothingLive();
    }

    @Test
    void logprobsComeBackAsVllmSentThem() {
        // Completions, streamed: each chunk carries vLLM's CompletionLogProbs for its token, unchanged.
        List<String> data = sseData(post(completion("log probs please", 4, true).put("logprobs", 2)).bodyAsString());
        for (int k = 1; k <= 4; k++) {
            JsonObject choice = new JsonObject(data.get(k - 1)).getJsonArray("choices").getJsonObject(0);
            JsonObject lp = choice.getJsonObject("logprobs");
            assertEquals(FakeVllmServer.logprob(k), lp.getJsonArray("token_logprobs").getDouble(0), lp.encode());
            assertEquals(choice.getString("text"), lp.getJsonArray("tokens").getString(0));
            assertEquals(2, lp.getJsonArray("top_logprobs").getJsonObject(0).size());
        }
        // Whole: the chunks' log probabilities gathered into one, as OpenAI's clients gather a stream.
        JsonObject choice = post(completion("log probs please", 4, false).put("logprobs", 1)).bodyAsJsonObject()
                .getJsonArray("choices").getJsonObject(0);
        JsonObject lp = choice.getJsonObject("logprobs");
        assertEquals(List.of(" Hello", " from", " fake", " vLLM"), lp.getJsonArray("tokens").getList());
        assertEquals(List.of(-0.25, -0.5, -0.75, -1.0), lp.getJsonArray("token_logprobs").getList());
        assertEquals(List.of(0, 1, 2, 3), lp.getJsonArray("text_offset").getList());
        assertEquals(4, lp.getJsonArray("top_logprobs").size());
        // Chat: ChatCompletionLogProbs, streamed and whole.
        data = sseData(postChat(chat("chat log probs", 3, true).put("logprobs", true).put("top_logprobs", 2)).bodyAsString());
        JsonObject first = new JsonObject(data.get(1)).getJsonArray("choices").getJsonObject(0); // data 0: the role
        JsonObject entry = first.getJsonObject("logprobs").getJsonArray("content").getJsonObject(0);
        assertEquals(" Hello", entry.getString("token"));
        assertEquals(-0.25, entry.getDouble("logprob"));
        assertEquals(List.of(32, 72, 101, 108, 108, 111), entry.getJsonArray("bytes").getList());
        assertEquals(2, entry.getJsonArray("top_logprobs").size());
        JsonObject whole = postChat(chat("chat log probs", 3, false).put("logprobs", true)).bodyAsJsonObject()
                .getJsonArray("choices").getJsonObject(0);
        assertEquals(3, whole.getJsonObject("logprobs").getJsonArray("content").size(), whole.encode());
        assertEquals(" Hello from fake", whole.getJsonObject("message").getString("content"));
        assertNothingLive();
    }

    @Test
    void aWebSocketTokenCarriesWhatVllmSentWithIt() {
        WebSocket ws = await(vertx.createWebSocketClient().connect(port, "127.0.0.1", "/v1/ws"));
        List<JsonObject> got = new CopyOnWriteArrayList<>();
        ws.textMessageHandler(t -> got.add(new JsonObject(t)));
        ws.writeTextMessage(completion("over the socket", 2, false).put("type", "request").put("id", "w1")
                .put("logprobs", 1).encode());
        eventually("done", () -> got.stream().anyMatch(m -> "done".equals(m.getString("type"))));
        List<JsonObject> tokens = got.stream().filter(m -> "token".equals(m.getString("type"))).toList();
        assertEquals(2, tokens.size(), got.toString());
        assertEquals(FakeVllmServer.logprob(2), tokens.get(1).getJsonObject("logprobs").getJsonArray("token_logprobs")
                .getDouble(0), tokens.get(1).encode());
        JsonObject usage = got.stream().filter(m -> "usage".equals(m.getString("type"))).findFirst().orElseThrow();
        assertEquals(5, usage.getInteger("prompt_tokens"), "vLLM's count");
        await(ws.close());
        assertNothingLive();
    }

    @Test
    void toolCallsComeBackAsVllmSentThem() {
        JsonObject tools = new JsonObject().put("tools", new JsonArray().add(new JsonObject()
                .put("type", "function").put("function", new JsonObject().put("name", "get_weather")
                        .put("parameters", new JsonObject().put("type", "object")))));
        // Streamed: vLLM's deltas, the name first, then the arguments in pieces, then finish_reason tool_calls.
        List<String> data = sseData(postChat(chat("TOOL-CALL the weather", 50, true).mergeIn(tools)).bodyAsString());
        assertEquals("assistant", new JsonObject(data.get(0)).getJsonArray("choices").getJsonObject(0)
                .getJsonObject("delta").getString("role"));
        JsonObject namedDelta = new JsonObject(data.get(1)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
        assertFalse(namedDelta.containsKey("content"), "a delta of tool calls alone, as vLLM sends it: " + namedDelta);
        JsonObject named = namedDelta.getJsonArray("tool_calls").getJsonObject(0);
        assertEquals("get_weather", named.getJsonObject("function").getString("name"));
        assertEquals(0, named.getInteger("index"));
        StringBuilder arguments = new StringBuilder();
        String finish = null;
        for (String d : data.subList(2, data.size() - 2)) {
            JsonObject choice = new JsonObject(d).getJsonArray("choices").getJsonObject(0);
            finish = choice.getString("finish_reason");
            JsonArray calls = choice.getJsonObject("delta").getJsonArray("tool_calls");
            if (calls != null) {
                arguments.append(calls.getJsonObject(0).getJsonObject("function").getString("arguments"));
            }
        }
        assertEquals(String.join("", FakeVllmServer.TOOL_ARGUMENTS), arguments.toString());
        assertEquals("tool_calls", finish);
        // Whole: one message with the call put together, no text.
        JsonObject choice = postChat(chat("TOOL-CALL the weather", 50, false).mergeIn(tools)).bodyAsJsonObject()
                .getJsonArray("choices").getJsonObject(0);
        assertEquals("tool_calls", choice.getString("finish_reason"));
        JsonObject message = choice.getJsonObject("message");
        assertTrue(message.containsKey("content") && message.getValue("content") == null, message.encode());
        JsonObject call = message.getJsonArray("tool_calls").getJsonObject(0);
        assertEquals("function", call.getString("type"));
        assertTrue(call.getString("id").startsWith("chatcmpl-tool-"), call.encode());
        assertEquals(new JsonObject().put("name", "get_weather").put("arguments", "{\"city\": \"Paris\"}"),
                call.getJsonObject("function"));
        assertFalse(call.containsKey("index"), "a whole message's tool call has no stream position");
        assertNothingLive();
    }

    @Test
    void theOfficialOpenAiSdkGetsToolCallsAndLogprobsThroughScorpio() {
        OpenAIClient client = OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1").apiKey("unused").maxRetries(0).build();
        try {
            ChatCompletionCreateParams toolCall =
                    ChatCompletionCreateParams.builder().model("llama-3.1-8b")
                            .addUserMessage("TOOL-CALL the weather").maxCompletionTokens(50)
                            .addFunctionTool(FunctionDefinition.builder().name("get_weather").build())
                            .build();
            // Streamed, put together by the SDK's own accumulator, and whole: the same call.
            ChatCompletionAccumulator gathered = ChatCompletionAccumulator.create();
            try (StreamResponse<ChatCompletionChunk> stream =
                         client.chat().completions().createStreaming(toolCall)) {
                stream.stream().forEach(gathered::accumulate);
            }
            for (ChatCompletion done : List.of(gathered.chatCompletion(),
                    client.chat().completions().create(toolCall))) {
                ChatCompletion.Choice choice = done.choices().get(0);
                assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS,
                        choice.finishReason());
                ChatCompletionMessageFunctionToolCall call =
                        choice.message().toolCalls().orElseThrow().get(0).asFunction();
                assertEquals("get_weather", call.function().name());
                assertEquals("{\"city\": \"Paris\"}", call.function().arguments());
            }
            ChatCompletion withLogprobs = client.chat().completions().create(
                    ChatCompletionCreateParams.builder().model("llama-3.1-8b")
                            .addUserMessage("log probs for the SDK").maxCompletionTokens(3).logprobs(true).topLogprobs(2)
                            .build());
            List<ChatCompletionTokenLogprob> content =
                    withLogprobs.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
            assertEquals(3, content.size());
            assertEquals(FakeVllmServer.logprob(3), content.get(2).logprob());
            assertEquals(5, withLogprobs.usage().orElseThrow().promptTokens(), "vLLM's count");
        } finally {
            client.close();
        }
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
