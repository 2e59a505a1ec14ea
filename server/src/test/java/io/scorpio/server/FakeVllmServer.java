package io.scorpio.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for vLLM's OpenAI-compatible server that writes vLLM's bytes: compact pydantic JSON chunks
 * ({@code model_dump_json(exclude_unset=True)}) as {@code data: ...\n\n}, the {@code include_usage} chunk with empty
 * choices, {@code data: [DONE]\n\n}; error bodies as vLLM's {@code ErrorResponse}
 * ({@code {"object":"error","message":...,"type":...,"param":null,"code":...}}); and the mid-stream error frame
 * {@code data: {"error": {...}}} that vLLM writes with Python's {@code json.dumps} (spaces after separators).
 *
 * <p>{@code /v1/chat/completions} streams as vLLM's chat server does: a first chunk with the assistant role and empty
 * content, then one {@code chat.completion.chunk} per token. With {@code logprobs} asked for, each token's chunk
 * carries vLLM's log probabilities ({@code CompletionLogProbs} for completions, {@code ChatCompletionLogProbs} for
 * chat; made-up values). The usage chunk always says 5 prompt tokens, vLLM's own count.
 *
 * <p>Prompt keywords choose the behaviour (for chat, in the last message): {@code STOP-EARLY} stops after 3 tokens with finish_reason "stop";
 * {@code BURST} sends every token after the first at once; {@code STALL} is silent for {@link #STALL_MS} after its
 * second token; {@code MID-ERROR} sends 2 tokens then an error frame; {@code HTTP-400} answers 400; {@code HANG} sends one token
 * and then nothing, until the client goes away; {@code TOOL-CALL} (chat) calls the first of the request's
 * {@code tools} with {@code {"city": "Paris"}}, streamed as vLLM's tool parsers stream it (the name, then the arguments
 * in pieces), and ends with finish_reason "tool_calls".
 *
 * <p>Faults of the whole server, for the worker's fault handling: {@code CRASH} sends 2 tokens and then the server
 * dies ({@link #stop()}: every connection closes mid-stream, new ones are refused, until {@link #restart()} on the
 * same port); {@code FREEZE} sends 2 tokens and then the server hangs ({@link #freeze()}: open streams go silent
 * without closing, new streams get nothing, {@code /health} does not answer, until {@link #thaw()}).
 */
public final class FakeVllmServer {

    public static final String MODEL = "fake-model";
    public static final String[] WORDS = {" Hello", " from", " fake", " vLLM", " é", " 🙂"};
    /** How long a STALL prompt's stream is silent after its second token. */
    public static final long STALL_MS = 3000;

    final List<JsonObject> requests = new CopyOnWriteArrayList<>();
    public final AtomicInteger active = new AtomicInteger();
    final AtomicInteger clientClosedEarly = new AtomicInteger();
    private final Vertx vertx;
    private HttpServer server;
    private long counter;
    private int port;
    private volatile boolean frozen;
    /** Health checks that came in while frozen: answered on {@link #thaw()} if their client still waits. */
    private final List<HttpServerRequest> parkedHealth = new CopyOnWriteArrayList<>();

    public FakeVllmServer(Vertx vertx) {
        this.vertx = vertx;
    }

    public Future<Integer> start() {
        return listen(0);
    }

    private Future<Integer> listen(int on) {
        return vertx.createHttpServer().requestHandler(this::handle).listen(on, "127.0.0.1").map(s -> {
            server = s;
            port = s.actualPort();
            return port;
        });
    }

    /** The server dies: open streams are cut, connections refused. */
    public Future<Void> stop() {
        HttpServer s = server;
        server = null;
        return s == null ? Future.succeededFuture() : s.close();
    }

    boolean running() {
        return server != null;
    }

    /** Comes back on the port it had. */
    public Future<Integer> restart() {
        return listen(port);
    }

    /** How many completion requests reached the server since it was made. */
    public int requestsSeen() {
        return requests.size();
    }

    /** The server hangs: nothing more is sent, nothing is closed. */
    public void freeze() {
        frozen = true;
    }

    public void thaw() {
        frozen = false;
        for (HttpServerRequest req : parkedHealth) {
            if (!req.response().closed() && !req.response().ended()) {
                req.response().setStatusCode(200).end();
            }
        }
        parkedHealth.clear();
    }

    boolean frozen() {
        return frozen;
    }

    private void handle(HttpServerRequest req) {
        switch (req.path()) {
            case "/health" -> {
                if (frozen) {
                    parkedHealth.add(req);
                } else {
                    req.response().setStatusCode(200).end();
                }
            }
            case "/metrics" -> req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(
                    "# HELP vllm:num_requests_running Number of requests currently running on GPU.\n"
                            + "# TYPE vllm:num_requests_running gauge\n"
                            + "vllm:num_requests_running{model_name=\"fake-model\"} 2.0\n"
                            + "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.\n"
                            + "# TYPE vllm:num_requests_waiting gauge\n"
                            + "vllm:num_requests_waiting{model_name=\"fake-model\"} 1.0\n");
            case "/v1/completions" -> req.body().onSuccess(b -> completions(req, new JsonObject(b), false));
            case "/v1/chat/completions" -> req.body().onSuccess(b -> completions(req, new JsonObject(b), true));
            default -> error(req.response(), 404, "NotFoundError", "Not Found");
        }
    }

    private static void error(HttpServerResponse resp, int code, String type, String message) {
        resp.setStatusCode(code).putHeader("content-type", "application/json")
                .end("{\"object\":\"error\",\"message\":" + quote(message) + ",\"type\":\"" + type + "\",\"param\":null,\"code\":"
                        + code + "}");
    }

    private static String quote(String s) {
        return io.vertx.core.json.Json.encode(s);
    }

    private void completions(HttpServerRequest req, JsonObject body, boolean chat) {
        requests.add(body);
        HttpServerResponse resp = req.response();
        if (!MODEL.equals(body.getString("model"))) {
            error(resp, 404, "NotFoundError", "The model `" + body.getString("model") + "` does not exist.");
            return;
        }
        String prompt = chat ? lastMessage(body) : body.getString("prompt");
        if (prompt.contains("HTTP-400")) {
            error(resp, 400, "BadRequestError", "This model's maximum context length is 2048 tokens. However, you requested "
                    + "4096 tokens (10 in the messages, 4086 in the completion). Please reduce the length of the messages or completion.");
            return;
        }
        int max = body.getInteger("max_tokens");
        boolean toolCall = chat && prompt.contains("TOOL-CALL");
        int n = toolCall ? Math.min(TOOL_ARGUMENTS.length + 1, max) : prompt.contains("STOP-EARLY") ? Math.min(3, max) : max;
        String id = (chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(++counter) + "a1b2c3";
        String head = "data: {\"id\":\"" + id + "\",\"object\":\"" + (chat ? "chat.completion.chunk" : "text_completion")
                + "\",\"created\":1700000000,\"model\":\"" + MODEL + "\",\"choices\":";
        Object logprobs = body.getValue("logprobs");
        int top = chat ? body.getInteger("top_logprobs", 0) : logprobs instanceof Number k ? k.intValue() : 0;
        boolean withLogprobs = chat ? Boolean.TRUE.equals(logprobs) : logprobs instanceof Number;
        boolean usage = body.getJsonObject("stream_options", new JsonObject()).getBoolean("include_usage", false);
        resp.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8");
        active.incrementAndGet();
        if (chat) {
            resp.write(head + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
                    + "\"finish_reason\":null}]}\n\n");
        }
        int[] sent = {0};
        boolean[] finished = {false};
        resp.closeHandler(v -> {
            if (!finished[0]) {
                clientClosedEarly.incrementAndGet();
                active.decrementAndGet();
                finished[0] = true;
            }
        });
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (finished[0] || frozen) {
                return; // frozen: silent for ever (the client gives up and closes)
            }
            if (sent[0] == 2 && prompt.contains("CRASH")) {
                stop();
                return;
            }
            if (sent[0] == 2 && prompt.contains("FREEZE")) {
                freeze();
                return;
            }
            if (prompt.contains("MID-ERROR") && sent[0] == 2) {
                resp.write("data: {\"error\": {\"object\": \"error\", \"message\": \"CUDA error: an illegal memory access was "
                        + "encountered\", \"type\": \"InternalServerError\", \"param\": null, \"code\": 500}}\n\n");
                end(resp, finished);
                return;
            }
            if (prompt.contains("HANG") && sent[0] == 1) {
                return; // silent until the client goes away
            }
            // BURST: after the first token, all the others at once (a server running ahead of its client).
            int burst = prompt.contains("BURST") && sent[0] > 0 ? n - sent[0] : 1;
            for (int b = 0; b < burst; b++) {
                sent[0]++;
                String word = WORDS[(sent[0] - 1) % WORDS.length];
                String finish = sent[0] == n ? (toolCall ? "\"tool_calls\"" : n < max ? "\"stop\"" : "\"length\"") : "null";
                String lp = withLogprobs ? logprobs(chat, word, sent[0], top) : "null";
                if (toolCall) {
                    resp.write(head + "[{\"index\":0,\"delta\":" + toolDelta(body, id, sent[0]) + ",\"logprobs\":null,"
                            + "\"finish_reason\":" + finish + (sent[0] == n ? ",\"stop_reason\":null" : "") + "}]}\n\n");
                } else if (chat) {
                    resp.write(head + "[{\"index\":0,\"delta\":{\"content\":" + quote(word) + "},\"logprobs\":" + lp
                            + ",\"finish_reason\":" + finish + (sent[0] == n ? ",\"stop_reason\":null" : "") + "}]}\n\n");
                } else {
                    resp.write(head + "[{\"index\":0,\"text\":" + quote(word) + ",\"logprobs\":" + lp
                            + ",\"finish_reason\":" + finish + ",\"stop_reason\":null}]}\n\n");
                }
            }
            if (sent[0] == n) {
                if (usage) {
                    resp.write(head + "[],\"usage\":{\"prompt_tokens\":5,\"total_tokens\":" + (5 + n)
                            + ",\"completion_tokens\":" + n + "}}\n\n");
                }
                end(resp, finished);
                return;
            }
            // Inter-token time grows with the streams in flight, like a real batch. STALL: silent for 3 s after the
            // second token (vLLM holding one request back), then on as usual.
            long gap = prompt.contains("STALL") && sent[0] == 2 ? STALL_MS : 3 + 2L * active.get();
            vertx.setTimer(gap, t -> next[0].run());
        };
        vertx.setTimer(8, t -> next[0].run());
    }

    /** The pieces in which a TOOL-CALL request's arguments are streamed, after the chunk that names the function. */
    public static final String[] TOOL_ARGUMENTS = {"{\"city\": ", "\"Paris\"}"};

    private static String toolDelta(JsonObject body, String id, int k) {
        if (k == 1) {
            String name = body.getJsonArray("tools").getJsonObject(0).getJsonObject("function").getString("name");
            return "{\"tool_calls\":[{\"id\":\"chatcmpl-tool-" + id.substring(id.length() - 6) + "\",\"type\":\"function\","
                    + "\"index\":0,\"function\":{\"name\":" + quote(name) + "}}]}";
        }
        if (k - 2 < TOOL_ARGUMENTS.length) {
            return "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":" + quote(TOOL_ARGUMENTS[k - 2]) + "}}]}";
        }
        return "{\"content\":\"\"}";
    }

    /** Token k's log probability in the fake's made-up model: -0.25 k, and its alternatives below it. */
    public static double logprob(int k) {
        return -0.25 * k;
    }

    private static String logprobs(boolean chat, String word, int k, int top) {
        StringBuilder alternatives = new StringBuilder();
        for (int j = 0; j < top; j++) {
            String alt = j == 0 ? word : " alt" + j;
            double lp = logprob(k) - j;
            if (chat) {
                alternatives.append(j == 0 ? "" : ",").append("{\"token\":").append(quote(alt)).append(",\"logprob\":")
                        .append(lp).append(",\"bytes\":").append(bytes(alt)).append('}');
            } else {
                alternatives.append(j == 0 ? "" : ",").append(quote(alt)).append(':').append(lp);
            }
        }
        if (chat) {
            return "{\"content\":[{\"token\":" + quote(word) + ",\"logprob\":" + logprob(k) + ",\"bytes\":" + bytes(word)
                    + ",\"top_logprobs\":[" + alternatives + "]}]}";
        }
        return "{\"text_offset\":[" + (k - 1) + "],\"token_logprobs\":[" + logprob(k) + "],\"tokens\":[" + quote(word)
                + "],\"top_logprobs\":[{" + alternatives + "}]}";
    }

    private static String bytes(String s) {
        StringBuilder b = new StringBuilder("[");
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; i++) {
            b.append(i == 0 ? "" : ",").append(utf8[i] & 0xFF);
        }
        return b.append(']').toString();
    }

    private static String lastMessage(JsonObject body) {
        io.vertx.core.json.JsonArray messages = body.getJsonArray("messages");
        return messages.getJsonObject(messages.size() - 1).getString("content");
    }

    private void end(HttpServerResponse resp, boolean[] finished) {
        finished[0] = true;
        active.decrementAndGet();
        resp.end("data: [DONE]\n\n");
    }
}
