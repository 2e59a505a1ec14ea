package io.scorpio.standin;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.gpusim.GroundTruthStepTime;
import io.scorpio.gpusim.StepTimeSampler;
import io.scorpio.model.DataFiles;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;

/**
 * vLLM's OpenAI-compatible HTTP API in front of {@link StandinEngine}: {@code POST /v1/completions} and
 * {@code /v1/chat/completions} (streamed as Server-Sent Events with {@code stream_options.include_usage}, or whole),
 * {@code GET /v1/models}, {@code /health} and {@code /metrics}, with vLLM's response and error shapes.
 *
 * <p>What it models and what it does not: every request is scheduled and timed as vLLM V1 would run it on one A100,
 * and ends at {@code max_tokens} when {@code ignore_eos} is set (as benchmark clients send it), otherwise at the real
 * model's answer length for a prompt it knows ({@link AnswerLengths}) or a length drawn reproducibly from the prompt,
 * capped by {@code max_tokens} either way. The text is synthetic words. Sampling parameters are validated as vLLM
 * validates them and echoed back (header {@value #ECHO_HEADER}: the request body without its prompt or messages,
 * Base64 of its JSON), so a test can check what a client passed through; they do not change the output.
 */
public final class StandinServer extends VerticleBase {

    /** The request as received, minus prompt and messages: Base64 (URL-safe) of its JSON. */
    public static final String ECHO_HEADER = "x-standin-received";

    private static final long ORIGIN = System.nanoTime();
    private static final String[] WORDS = {" the", " model", " answers", " with", " simulated", " words", " at", " the",
        " pace", " of", " a", " real", " GPU", "."};
    private static final Set<String> COMPLETION_FIELDS = Set.of("model", "prompt", "max_tokens", "stream",
        "stream_options", "temperature", "top_p", "top_k", "min_p", "n", "stop", "seed", "presence_penalty",
        "frequency_penalty", "repetition_penalty", "logit_bias", "logprobs", "echo", "best_of", "suffix", "user",
        "ignore_eos", "priority", "min_tokens", "stop_token_ids", "skip_special_tokens", "response_format",
        "guided_json", "guided_regex", "guided_choice", "include_stop_str_in_output", "spaces_between_special_tokens");
    private static final Set<String> CHAT_FIELDS = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
        "stream", "stream_options", "temperature", "top_p", "top_k", "min_p", "n", "stop", "seed", "presence_penalty",
        "frequency_penalty", "repetition_penalty", "logit_bias", "logprobs", "top_logprobs", "user", "ignore_eos",
        "priority", "min_tokens", "stop_token_ids", "response_format", "tools", "tool_choice", "parallel_tool_calls",
        "chat_template_kwargs", "skip_special_tokens", "include_stop_str_in_output");

    /**
     * Sees, in process, what the stand-in received and when each request got its first token: tests check pass-through
     * and queue order with it. Called on the stand-in's event loop.
     */
    public interface Observer {
        /** A request body as received, before validation ({@code chat}: on {@code /v1/chat/completions}). */
        default void received(boolean chat, JsonObject body) {
        }

        /** The request with this body got its first token. */
        default void firstToken(JsonObject body) {
        }
    }

    private final StandinOptions options;
    private volatile Observer observer = new Observer() {
    };
    private final Encoding tokenizer = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    private StandinMetrics metrics;
    private StandinEngine engine;
    private HttpServer server;

    public StandinServer(StandinOptions options) {
        this.options = options;
    }

    /** Milliseconds on the stand-in's monotonic clock. */
    static double nowMs() {
        return (System.nanoTime() - ORIGIN) / 1e6;
    }

    public void observe(Observer observer) {
        this.observer = observer;
    }

    /** The port bound (useful with port 0). */
    public int port() {
        return server.actualPort();
    }

    @Override
    public Future<?> start() {
        metrics = new StandinMetrics(options.model());
        StepTimeSampler sampler = new StepTimeSampler(new GroundTruthStepTime(GpuProfile.load(GpuProfile.DEFAULT_NAME,
                DataFiles.resolve())), options.seed());
        engine = new StandinEngine(vertx, options, sampler, metrics);
        Router router = Router.router(vertx);
        router.get("/health").handler(ctx -> ctx.response().setStatusCode(200).end());
        router.get("/v1/models").handler(this::models);
        router.get("/metrics").handler(ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4")
                .end(metrics.render()));
        BodyHandler body = BodyHandler.create(false).setBodyLimit(16 << 20);
        router.post("/v1/completions").handler(body).handler(ctx -> generate(ctx, false));
        router.post("/v1/chat/completions").handler(body).handler(ctx -> generate(ctx, true));
        return vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port()))
                .requestHandler(router).listen().onSuccess(s -> server = s);
    }

    private void models(RoutingContext ctx) {
        JsonObject model = new JsonObject().put("id", options.model()).put("object", "model")
                .put("created", System.currentTimeMillis() / 1000).put("owned_by", "vllm").put("root", options.model())
                .put("parent", (Object) null).put("max_model_len", options.maxModelLen());
        json(ctx.response(), 200, new JsonObject().put("object", "list").put("data", new JsonArray().add(model)));
    }

    /** One request, validated as vLLM validates it, then queued on the engine and streamed or answered whole. */
    private void generate(RoutingContext ctx, boolean chat) {
        JsonObject req;
        try {
            req = new JsonObject(ctx.body().asString());
        } catch (DecodeException | ClassCastException e) {
            error(ctx.response(), 400, "BadRequestError", "the request body is not a JSON object: " + e.getMessage());
            return;
        } catch (RuntimeException e) {
            error(ctx.response(), 400, "BadRequestError", "the request body is missing or not JSON");
            return;
        }
        observer.received(chat, req);
        Request r;
        try {
            r = Request.parse(req, chat, options, this::countTokens);
        } catch (NotFound e) {
            error(ctx.response(), 404, "NotFoundError", e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            error(ctx.response(), 400, "BadRequestError", e.getMessage());
            return;
        }
        serve(ctx.response(), r, echo(req), req);
    }

    private int countTokens(String text) {
        return tokenizer.countTokensOrdinary(text);
    }

    private static String echo(JsonObject req) {
        JsonObject copy = req.copy();
        copy.remove("prompt");
        copy.remove("messages");
        return Base64.getUrlEncoder().withoutPadding().encodeToString(copy.encode().getBytes(StandardCharsets.UTF_8));
    }

    private void serve(HttpServerResponse response, Request r, String echo, JsonObject req) {
        String id = (r.chat() ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        double arrival = nowMs();
        StringBuilder whole = new StringBuilder();
        double[] last = {Double.NaN};
        boolean[] ended = {false};
        metrics.prompt(r.promptTokens());
        StandinEngine.Sink sink = new StandinEngine.Sink() {
            @Override
            public void token(int index, String finishReason) {
                double now = nowMs();
                if (index == 1) {
                    metrics.firstToken((now - arrival) / 1000);
                    observer.firstToken(req);
                } else {
                    metrics.tokenGap((now - last[0]) / 1000);
                }
                last[0] = now;
                String text = WORDS[(index - 1) % WORDS.length];
                if (finishReason != null) {
                    ended[0] = true;
                    metrics.finished(finishReason, (now - arrival) / 1000);
                }
                if (response.closed()) {
                    return;
                }
                if (!r.stream()) {
                    whole.append(text);
                    if (finishReason != null) {
                        json(response.putHeader(ECHO_HEADER, echo), 200,
                                whole(r, id, created, whole.toString(), finishReason, index));
                    }
                    return;
                }
                if (!response.headWritten()) {
                    response.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
                            .putHeader(ECHO_HEADER, echo);
                    if (r.chat()) {
                        response.write(sse(chunk(r, id, created, new JsonObject().put("role", "assistant").put("content", ""),
                                null)));
                    }
                }
                Object delta = r.chat() ? new JsonObject().put("content", text) : text;
                StringBuilder out = new StringBuilder(sse(chunk(r, id, created, delta, finishReason)));
                if (finishReason != null) {
                    if (r.includeUsage()) {
                        out.append(sse(head(r, id, created).put("choices", new JsonArray())
                                .put("usage", usage(r.promptTokens(), index))));
                    }
                    response.end(out.append("data: [DONE]\n\n").toString());
                } else {
                    response.write(out.toString());
                }
            }

            @Override
            public void failed(String message) {
                ended[0] = true;
                metrics.finished("abort", (nowMs() - arrival) / 1000);
                if (!response.closed() && !response.headWritten()) {
                    error(response, 400, "BadRequestError", message);
                } else if (!response.closed()) {
                    response.end(sse(new JsonObject().put("error", new JsonObject().put("object", "error")
                            .put("message", message).put("type", "InternalServerError").put("code", 500)))
                            + "data: [DONE]\n\n");
                }
            }
        };
        // vLLM aborts a request whose client disconnected: its KV blocks and batch slot are freed.
        response.closeHandler(v -> {
            if (!ended[0]) {
                ended[0] = true;
                engine.abort(id, nowMs());
                metrics.finished("abort", (nowMs() - arrival) / 1000);
            }
        });
        String refused = engine.submit(id, r.promptTokens(), r.maxTokens(), r.stopAt(), r.priority(), sink, arrival);
        if (refused != null) {
            ended[0] = true;
            error(response, 400, "BadRequestError", refused);
        }
    }

    private JsonObject head(Request r, String id, long created) {
        return new JsonObject().put("id", id).put("object", r.chat() ? "chat.completion.chunk" : "text_completion")
                .put("created", created).put("model", options.model());
    }

    private JsonObject chunk(Request r, String id, long created, Object delta, String finishReason) {
        JsonObject choice = new JsonObject().put("index", 0).put(r.chat() ? "delta" : "text", delta)
                .put("logprobs", (Object) null).put("finish_reason", finishReason);
        if (!r.chat()) {
            choice.put("stop_reason", (Object) null);
        }
        return head(r, id, created).put("choices", new JsonArray().add(choice));
    }

    private JsonObject whole(Request r, String id, long created, String text, String finishReason, int completionTokens) {
        JsonObject choice = new JsonObject().put("index", 0);
        if (r.chat()) {
            choice.put("message", new JsonObject().put("role", "assistant").put("content", text));
        } else {
            choice.put("text", text);
        }
        choice.put("logprobs", (Object) null).put("finish_reason", finishReason).put("stop_reason", (Object) null);
        return new JsonObject().put("id", id).put("object", r.chat() ? "chat.completion" : "text_completion")
                .put("created", created).put("model", options.model()).put("choices", new JsonArray().add(choice))
                .put("usage", usage(r.promptTokens(), completionTokens));
    }

    private static JsonObject usage(int prompt, int completion) {
        return new JsonObject().put("prompt_tokens", prompt).put("total_tokens", prompt + completion)
                .put("completion_tokens", completion);
    }

    private static String sse(JsonObject data) {
        return "data: " + data.encode() + "\n\n";
    }

    private static void json(HttpServerResponse response, int status, JsonObject body) {
        response.setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }

    /** vLLM's error body: {@code {"object": "error", "message", "type", "param", "code"}}. */
    static void error(HttpServerResponse response, int status, String type, String message) {
        json(response, status, new JsonObject().put("object", "error").put("message", message).put("type", type)
                .put("param", (Object) null).put("code", status));
    }

    /** The model name is not the one served: vLLM answers 404. */
    static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    /** A validated request. {@code stopAt}: the length it ends at by itself (max_tokens with ignore_eos). */
    record Request(boolean chat, boolean stream, boolean includeUsage, int promptTokens, int maxTokens, int stopAt,
                   int priority) {

        static Request parse(JsonObject req, boolean chat, StandinOptions options,
                             java.util.function.ToIntFunction<String> tokens) {
            for (String field : req.fieldNames()) {
                if (!(chat ? CHAT_FIELDS : COMPLETION_FIELDS).contains(field)) {
                    throw new IllegalArgumentException("Unrecognized request argument: " + field
                            + " (the stand-in accepts the OpenAI and vLLM fields it knows; see docs/load-tests.md)");
                }
            }
            Object model = req.getValue("model");
            if (!(model instanceof String m) || !m.equals(options.model())) {
                throw new NotFound("The model `" + model + "` does not exist.");
            }
            String text;
            String answered; // what a replayed answer length is looked up by: the prompt, or the last message
            int promptTokens;
            if (chat) {
                Object messages = req.getValue("messages");
                if (!(messages instanceof JsonArray list) || list.isEmpty()) {
                    throw new IllegalArgumentException("messages must be a non-empty list");
                }
                StringBuilder all = new StringBuilder();
                int count = 3; // the Llama-3 chat template's opening and the assistant header
                for (Object o : list) {
                    if (!(o instanceof JsonObject msg) || !(msg.getValue("role") instanceof String)) {
                        throw new IllegalArgumentException("each message must be an object with a role");
                    }
                    Object content = msg.getValue("content");
                    String c = content instanceof String s ? s : content == null ? "" : content.toString();
                    all.append(c).append('\n');
                    count += tokens.applyAsInt(c) + 4; // role header and end-of-turn around each message
                }
                text = all.toString();
                Object last = list.getJsonObject(list.size() - 1).getValue("content");
                answered = last instanceof String s ? s : last == null ? "" : last.toString();
                promptTokens = count;
            } else {
                Object prompt = req.getValue("prompt");
                if (prompt instanceof JsonArray a && a.size() == 1 && a.getValue(0) instanceof String s) {
                    prompt = s;
                }
                if (!(prompt instanceof String p)) {
                    throw new IllegalArgumentException("prompt must be a string (or a list of one string)");
                }
                text = p;
                answered = p;
                promptTokens = Math.max(1, tokens.applyAsInt(p) + 1); // and the begin-of-text token
            }
            int room = options.maxModelLen() - promptTokens;
            Integer max = integer(req, chat && req.containsKey("max_completion_tokens") ? "max_completion_tokens"
                    : "max_tokens");
            int maxTokens = max == null ? room : max;
            if (maxTokens < 1) {
                throw new IllegalArgumentException("max_tokens must be at least 1, got " + maxTokens + ".");
            }
            if (promptTokens + maxTokens > options.maxModelLen()) {
                throw new IllegalArgumentException("This model's maximum context length is " + options.maxModelLen()
                        + " tokens. However, you requested " + (promptTokens + maxTokens) + " tokens (" + promptTokens
                        + " in the messages, " + maxTokens + " in the completion). Please reduce the length of the "
                        + "messages or completion.");
            }
            range(req, "temperature", 0, Double.MAX_VALUE, "temperature must be non-negative");
            range(req, "top_p", Double.MIN_VALUE, 1, "top_p must be in (0, 1]");
            range(req, "min_p", 0, 1, "min_p must be in [0, 1]");
            range(req, "presence_penalty", -2, 2, "presence_penalty must be in [-2, 2]");
            range(req, "frequency_penalty", -2, 2, "frequency_penalty must be in [-2, 2]");
            Integer topK = integer(req, "top_k");
            if (topK != null && topK < -1) {
                throw new IllegalArgumentException("top_k must be -1 (disable), 0 or at least 1, got " + topK + ".");
            }
            Integer n = integer(req, "n");
            if (n != null && n != 1) {
                throw new IllegalArgumentException("n must be 1 on the stand-in (it models one sequence per request)");
            }
            Integer priority = integer(req, "priority");
            if (priority != null && priority != 0 && !options.priority()) {
                throw new IllegalArgumentException("Got priority " + priority
                        + " but Priority scheduling is not enabled.");
            }
            Object stream = req.getValue("stream", false);
            if (!(stream instanceof Boolean)) {
                throw new IllegalArgumentException("stream must be a boolean");
            }
            JsonObject streamOptions = req.getJsonObject("stream_options");
            boolean includeUsage = streamOptions != null && streamOptions.getBoolean("include_usage", false);
            if (streamOptions != null && !(Boolean) stream) {
                throw new IllegalArgumentException("Stream options can only be defined when `stream=True`.");
            }
            boolean ignoreEos = req.getBoolean("ignore_eos", false);
            int stopAt = ignoreEos ? maxTokens
                    : Math.min(maxTokens, options.answerLengths().lookup(answered).orElseGet(() -> OutputLength.of(text)));
            return new Request(chat, (Boolean) stream, includeUsage, promptTokens, maxTokens, stopAt,
                    priority == null ? 0 : priority);
        }

        private static Integer integer(JsonObject req, String field) {
            Object v = req.getValue(field);
            if (v == null) {
                return null;
            }
            if (!(v instanceof Integer || v instanceof Long) ) {
                throw new IllegalArgumentException(field + " must be an integer");
            }
            return ((Number) v).intValue();
        }

        private static void range(JsonObject req, String field, double min, double max, String message) {
            Object v = req.getValue(field);
            if (v == null) {
                return;
            }
            if (!(v instanceof Number num) || num.doubleValue() < min || num.doubleValue() > max) {
                throw new IllegalArgumentException(message + ", got " + v + ".");
            }
        }
    }
}
