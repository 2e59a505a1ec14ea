package io.scorpio.server.engine.vllm;

import io.micrometer.core.instrument.Tags;
import io.scorpio.core.model.DecodeSample;
import io.scorpio.core.model.ModelFit;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.server.config.WorkerSettings;
import io.scorpio.server.engine.EngineWorker;
import io.scorpio.server.engine.WorkerContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker that is a client of vLLM's OpenAI-compatible server: {@code POST /v1/completions} (or
 * {@code /v1/chat/completions} for chat, with the messages as given, so that vLLM applies the model's own chat
 * template) with {@code stream: true} and {@code max_tokens} per request, {@code GET /health} for readiness and
 * {@code GET /metrics} for its queue figures.
 *
 * <p>Pass-through: the request body goes to vLLM as the client sent it (every sampling and output parameter, and any
 * other vLLM extra parameter), less Scorpio's own fields; the worker sets {@code model} ({@code vllm.model}),
 * {@code max_tokens} (the validated value the scheduler plans with), {@code stream: true} and
 * {@code stream_options.include_usage} (Scorpio always streams from vLLM and assembles a whole response itself), and,
 * with {@code vllm.priority}, {@code priority}. vLLM's text, {@code finish_reason} and {@code usage} come back
 * unchanged, and so does whatever else vLLM puts in a choice ({@code logprobs}, tool calls, {@code stop_reason}: see
 * {@link #relayed}). Parameters whose answer the token stream cannot carry (n, best_of, echo, prompt_logprobs) are
 * refused at the ingress.
 *
 * <p>Over that API only request-level control exists: vLLM batches the running requests itself, and no step
 * can leave one of them out. So credit-based batching is off for this worker (the guard's policy has
 * {@code credits=false}, and the {@code scorpio_credits_enabled} gauge says 0); LDF ordering, TTFT rejection and
 * VBS admission still decide which requests start and when. A prefill step starts the streams of the requests it
 * admits and ends when each has its first token; a decode step ends when every request of the batch has its
 * next token. Tokens wait in a per-request buffer until then, so none is lost, and a step hands on all of them: vLLM
 * keeps its own pace, and the relay keeps up with it instead of passing one token per step. A decode step that has
 * waited twice vLLM's recent inter-token gap for a stream that vLLM holds back hands on what has come without it.
 *
 * <p>The step-time model is refitted online from the inter-token gaps observed (B = streams in flight, L = their
 * mean current length) every {@code vllm.refit-every} samples, and sent to the guard. The refit keeps a, b and c
 * non-negative: a window of small batches and short lengths can otherwise fit noise into a slope that predicts
 * falling step times where the guard asks.
 */
public final class VllmWorker implements EngineWorker {

    private static final System.Logger LOG = System.getLogger(VllmWorker.class.getName());
    private static final int SAMPLE_WINDOW = 512;
    /** Bounds of how long a step waits for every stream of its batch ({@link #relayWaitMs}). */
    private static final long MIN_RELAY_WAIT_MS = 10;
    private static final long MAX_RELAY_WAIT_MS = 250;

    /** One token as vLLM streamed it (one chunk); {@code finishReason} is set on the last. */
    private record Chunk(Token token, String finishReason) {
    }

    /** One request's upstream stream. */
    private final class Upstream {
        final String id;
        final int promptTokens;
        final ArrayDeque<Chunk> tokens = new ArrayDeque<>();
        HttpClientRequest request;
        int received;
        boolean ended;
        /**
         * Nothing more will come: vLLM's usage chunk or {@code [DONE]} followed the last token. The last token is
         * handed on only then, so that the client's usage is vLLM's.
         */
        boolean closed;
        Usage usage;
        String error;
        /** The error is the server's (closed, unreachable, silent), not this request's own. */
        boolean lost;
        /** vLLM refused the request as invalid (400): the client's fault, passed on as vLLM gave it. */
        boolean invalid;
        double lastArrivalMs = Double.NaN;
        long silenceTimer = -1;

        Upstream(String id, int promptTokens) {
            this.id = id;
            this.promptTokens = promptTokens;
        }

        void armSilenceTimer() {
            if (silenceTimer >= 0) {
                vertx.cancelTimer(silenceTimer);
            }
            silenceTimer = vertx.setTimer(tokenTimeoutMs, t -> {
                silenceTimer = -1;
                if (ended) {
                    close(); // the last token came, the usage did not: the client gets the node's counts
                } else {
                    lose("vLLM sent nothing for " + tokenTimeoutMs + " ms (hung?)");
                }
            });
        }

        /** Nothing more will come from vLLM for this stream. */
        void close() {
            closed = true;
            stopTimer();
            check();
        }

        /** Whether a step can take something of this stream now: a token, or its end. */
        boolean ready() {
            Chunk next = tokens.peek();
            return next == null ? ended : next.finishReason() == null || closed;
        }

        void stopTimer() {
            if (silenceTimer >= 0) {
                vertx.cancelTimer(silenceTimer);
                silenceTimer = -1;
            }
        }

        /** This request failed for its own sake (vLLM refused it or sent an error for it). */
        void fail(String why) {
            if (error == null && !ended) {
                error = why;
            }
            stopTimer();
            check();
        }

        /** The server failed under this request: it is lost, and so is every other stream on that server. */
        void lose(String why) {
            if (error == null && !ended && streams.get(id) == this) {
                serverFailed(why);
            }
        }

        void cancel() {
            stopTimer();
            if (request != null) {
                request.reset(); // HTTP/1.1: closes the connection, which vLLM takes as an abort
            }
        }
    }

    /** The step in flight: the plan's requests as they were when it started, and whether it has waited long enough. */
    private static final class Pending {
        final List<RequestState> batch;
        final Promise<Step> promise = Promise.promise();
        final long startNanos = System.nanoTime();
        long timer = -1;
        boolean waitedOut;

        Pending(List<RequestState> batch) {
            this.batch = batch;
        }
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final String baseUrl;
    private final boolean sendPriority;
    private final String model;
    private final long tokenTimeoutMs;
    private final int refitEvery;
    private final WorkerContext context;
    private final Map<String, Upstream> streams = new HashMap<>();
    private final ArrayDeque<DecodeSample> samples = new ArrayDeque<>();
    private final AtomicLong refits = new AtomicLong();
    private volatile double upstreamRunning = Double.NaN;
    private volatile double upstreamWaiting = Double.NaN;
    private int sinceRefit;
    /** Exponentially weighted mean of the inter-token gaps seen (NaN before the first). */
    private double gapEwmaMs = Double.NaN;
    private Pending pending;
    private long metricsTimer = -1;

    public VllmWorker(WorkerContext context) {
        this.context = context;
        this.vertx = context.vertx();
        WorkerSettings.VllmSettings vllm = context.settings().vllm();
        this.baseUrl = vllm.urlFor(context.engine());
        this.sendPriority = vllm.priority();
        this.model = vllm.model();
        this.tokenTimeoutMs = vllm.tokenTimeoutMs();
        this.refitEvery = Math.max(8, vllm.refitEvery());
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(context.guard().scheduler().maxNumSeqs() + 8));
        Tags tags = Tags.of("engine", Integer.toString(context.engine()));
        context.metrics().gauge("scorpio_step_model_refits", "online refits of the step-time model from vLLM's inter-token times",
                tags, refits::get);
        context.metrics().gauge("scorpio_vllm_requests_running", "vllm:num_requests_running at the last scrape of its /metrics",
                tags, () -> upstreamRunning);
        context.metrics().gauge("scorpio_vllm_requests_waiting", "vllm:num_requests_waiting at the last scrape of its /metrics",
                tags, () -> upstreamWaiting);
        long every = context.settings().vllm().metricsIntervalMs();
        if (every > 0) {
            metricsTimer = vertx.setPeriodic(every, t -> scrapeMetrics());
        }
    }

    @Override
    public boolean stepLevelControl() {
        return false;
    }

    @Override
    public String describe() {
        return "vLLM at " + baseUrl + " (model " + model + "; request-level control: credits off"
                + (sendPriority ? "; deadline order sent as priority)" : ")");
    }

    @Override
    public Future<Step> run(StepPlan plan, Map<String, String> prompts) {
        if (pending != null) {
            return Future.failedFuture(new IllegalStateException("a step is already running"));
        }
        for (RequestState r : plan.batch()) {
            if (!streams.containsKey(r.id())) {
                // A preempted request's upstream keeps running in vLLM: only a request never seen starts one.
                start(r, prompts.getOrDefault(r.id(), ""));
            }
        }
        Pending p = new Pending(List.copyOf(plan.batch()));
        pending = p;
        if (plan.prefilling().isEmpty()) {
            // Only a decode step goes on without a stream vLLM holds back. A prefill step waits for every first token:
            // until vLLM has started what the guard sent it, the guard must not count those requests as running (it
            // would admit more than vLLM runs, and stop guarding their TTFT).
            p.timer = vertx.setTimer(relayWaitMs(), t -> {
                p.timer = -1;
                p.waitedOut = true;
                check();
            });
        }
        check();
        return p.promise.future();
    }

    /**
     * How long a decode step waits for a token from every stream of its batch before it hands on what has come: twice
     * the recent inter-token gap (vLLM's own step time, as seen here), so that one stream that vLLM holds back
     * (preempted) does not hold back the other streams' tokens.
     */
    private long relayWaitMs() {
        double gap = Double.isNaN(gapEwmaMs) ? MAX_RELAY_WAIT_MS : 2 * gapEwmaMs;
        return Math.max(MIN_RELAY_WAIT_MS, Math.min(MAX_RELAY_WAIT_MS, Math.round(gap)));
    }

    /**
     * Completes the pending step once every request of it has a token, has failed or is gone; or, for a decode step,
     * once it has waited {@link #relayWaitMs}, with what has come (requests without a token then get none this step).
     * A step hands on every token that has come for a request of its batch, not one: vLLM runs at its own pace, and a
     * relay that passed one token per step would fall behind it.
     */
    private void check() {
        Pending p = pending;
        if (p == null) {
            return;
        }
        boolean everyone = true;
        for (RequestState r : p.batch) {
            Upstream u = streams.get(r.id());
            if (u != null && u.error == null && !u.ready()) {
                everyone = false; // still waiting for this one
                break;
            }
        }
        if (!everyone && !p.waitedOut) {
            return;
        }
        pending = null;
        if (p.timer >= 0) {
            vertx.cancelTimer(p.timer);
        }
        Map<String, List<Token>> texts = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        Map<String, Failure> failures = new HashMap<>();
        Map<String, String> lost = new HashMap<>();
        Set<String> stopped = new HashSet<>();
        Map<String, String> finishReasons = new HashMap<>();
        Map<String, Usage> usage = new HashMap<>();
        Set<String> inBatch = new HashSet<>();
        for (RequestState r : p.batch) {
            String id = r.id();
            inBatch.add(id);
            Upstream u = streams.get(id);
            if (u == null) {
                continue; // aborted meanwhile: the scheduler skips it
            }
            // A lost stream fails at once, buffered tokens and all: one without a delivered token can then start
            // over on the recovered server instead of failing later.
            if (u.lost || (u.tokens.isEmpty() && u.error != null)) {
                // Tokens that arrived before the request's own error were delivered first; now it fails.
                if (u.lost) {
                    lost.put(id, u.error);
                } else {
                    failures.put(id, new Failure(u.error, u.invalid));
                }
                streams.remove(id);
                u.cancel();
                continue;
            }
            if (u.tokens.isEmpty()) {
                if (u.ended) {
                    failures.put(id, Failure.of("vLLM ended the stream before the request's last token"));
                    streams.remove(id);
                } else {
                    counts.put(id, 0); // nothing from vLLM yet (the step waited out)
                }
                continue;
            }
            // Never more than the request may still produce: vLLM was sent the same max_tokens. The last token waits
            // for vLLM's usage (Upstream.closed).
            int room = r.spec().maxTokens() - r.generatedTokens();
            List<Token> got = new ArrayList<>(Math.min(room, u.tokens.size()));
            Chunk t = null;
            while (got.size() < room && u.ready() && (t = u.tokens.poll()) != null) {
                got.add(t.token());
                if (t.finishReason() != null) {
                    break;
                }
            }
            if (got.isEmpty()) {
                counts.put(id, 0); // only its last token has come, and vLLM's usage not yet (the step waited out)
                continue;
            }
            texts.put(id, got);
            if (got.size() != 1) {
                counts.put(id, got.size());
            }
            boolean finishedHere = t != null && t.finishReason() != null;
            if (finishedHere || got.size() == room) {
                stopped.add(id);
                finishReasons.put(id, finishedHere ? t.finishReason() : "length");
                if (finishedHere && u.usage != null) {
                    usage.put(id, u.usage);
                }
                streams.remove(id);
                u.stopTimer();
                if (!finishedHere) {
                    u.cancel(); // vLLM went past max_tokens: nothing more is wanted from it
                }
            }
        }
        // Streams outside this step that the server's failure took are reported now, not left for a later step.
        for (var it = streams.values().iterator(); it.hasNext(); ) {
            Upstream u = it.next();
            if (u.lost && !inBatch.contains(u.id)) {
                lost.put(u.id, u.error);
                it.remove();
            }
        }
        double ms = (System.nanoTime() - p.startNanos) / 1e6;
        p.promise.complete(new Step(new StepResult(ms, stopped, counts), texts, failures, lost, finishReasons, usage));
    }

    /**
     * The body sent to vLLM: the client's request as the ingress passed it on ({@code CompletionRequest.upstream}, as
     * JSON), with the fields the worker owns set. A plain string is a bare prompt.
     */
    JsonObject upstreamBody(RequestState r, String input) {
        JsonObject body = null;
        if (input.startsWith("{")) {
            try {
                body = new JsonObject(input);
            } catch (RuntimeException e) {
                body = null; // a prompt that merely starts with a brace
            }
        }
        if (body == null || !(body.containsKey("prompt") || body.containsKey("messages"))) {
            body = new JsonObject().put("prompt", input);
        }
        body.remove("max_completion_tokens");
        body.put("model", model).put("max_tokens", r.spec().maxTokens()).put("stream", true)
                .put("stream_options", new JsonObject().put("include_usage", true));
        if (sendPriority) {
            // vLLM serves lower priority values first (ties by arrival): the TTFT deadline is LDF's order.
            body.put("priority", (long) Math.floor(r.deadlineMs()));
        }
        return body;
    }

    private void start(RequestState r, String input) {
        Upstream u = new Upstream(r.id(), r.spec().promptTokens());
        streams.put(r.id(), u);
        JsonObject body = upstreamBody(r, input);
        boolean chat = body.containsKey("messages");
        u.armSilenceTimer();
        client.request(new RequestOptions().setMethod(HttpMethod.POST)
                        .setAbsoluteURI(baseUrl + (chat ? "/v1/chat/completions" : "/v1/completions"))
                        .putHeader("content-type", "application/json").putHeader("accept", "text/event-stream"))
                .compose(req -> {
                    u.request = req;
                    if (streams.get(u.id) != u || u.error != null) {
                        req.reset(); // aborted or lost before the request went out
                    }
                    return req.send(body.toBuffer());
                })
                .onSuccess(resp -> {
                    if (resp.statusCode() != 200) {
                        resp.body().onComplete(b -> {
                            String message = errorMessage(b.succeeded() ? b.result() : Buffer.buffer());
                            if (resp.statusCode() == 400) {
                                u.invalid = true;
                                u.fail("vLLM refused the request: " + message);
                            } else {
                                u.fail("vLLM answered " + resp.statusCode() + ": " + message);
                            }
                        });
                        return;
                    }
                    SseParser parser = new SseParser(data -> onData(u, data));
                    resp.handler(parser::feed);
                    resp.exceptionHandler(err -> u.lose("vLLM stream broke: " + err.getMessage()));
                    resp.endHandler(v -> {
                        parser.end();
                        if (!u.ended) {
                            u.lose("vLLM closed the stream before finishing");
                        } else if (!u.closed) {
                            u.close();
                        }
                    });
                })
                .onFailure(err -> u.lose("cannot reach vLLM at " + baseUrl + ": " + err.getMessage()));
    }

    private void onData(Upstream u, String data) {
        if (u.closed || u.error != null) {
            return;
        }
        if (data.equals("[DONE]")) {
            if (!u.ended) {
                // [DONE] without a finish_reason: the last token we have is the last one.
                Chunk last = u.tokens.peekLast();
                if (last != null && last.finishReason() == null) {
                    u.tokens.pollLast();
                    u.tokens.add(new Chunk(last.token(), "stop"));
                    u.ended = true;
                } else {
                    u.fail("vLLM ended the stream without a finish_reason");
                    return;
                }
            }
            u.close();
            return;
        }
        JsonObject chunk;
        try {
            chunk = new JsonObject(data);
        } catch (RuntimeException e) {
            u.fail("vLLM sent an unparsable event: " + abbreviate(data));
            return;
        }
        if (chunk.getValue("error") != null) {
            u.fail("vLLM error: " + errorMessage(Buffer.buffer(data)));
            return;
        }
        JsonArray choices = chunk.getJsonArray("choices");
        if (choices == null || choices.isEmpty()) {
            // The usage chunk of include_usage, after the last token: vLLM's own counts, and the stream's end.
            JsonObject usage = chunk.getJsonObject("usage");
            if (usage != null && u.ended) {
                u.usage = new Usage(usage.getInteger("prompt_tokens", u.promptTokens),
                        usage.getInteger("completion_tokens", u.received));
                u.close();
            }
            return;
        }
        if (u.ended) {
            return; // nothing counts after the finish_reason but the usage and [DONE]
        }
        JsonObject choice = choices.getJsonObject(0);
        String finish = choice.getString("finish_reason");
        String text;
        JsonObject delta = choice.getJsonObject("delta");
        JsonObject relayed = relayed(choice);
        if (delta != null) {
            // Chat: the first chunk only announces the assistant role; it is not a token.
            String content = delta.getString("content"); // absent or null on a chunk that only ends the stream
            text = content == null ? "" : content;
            if (delta.containsKey("role") && text.isEmpty() && finish == null && relayed == null) {
                return;
            }
        } else {
            text = choice.getString("text", "");
        }
        double now = System.nanoTime() / 1e6;
        if (u.received > 0 && Double.isFinite(u.lastArrivalMs)) {
            sample(now - u.lastArrivalMs);
        }
        u.received++;
        u.lastArrivalMs = now;
        u.tokens.add(new Chunk(new Token(text, relayed), finish));
        if (finish != null) {
            u.ended = true; // the silence timer runs on until vLLM's usage or [DONE]
        }
        u.armSilenceTimer();
        check();
    }

    /** Choice fields Scorpio writes itself; everything else vLLM puts in a choice is relayed. */
    private static final Set<String> OWN_CHOICE_FIELDS = Set.of("index", "text", "delta", "finish_reason");
    private static final Set<String> OWN_DELTA_FIELDS = Set.of("content", "role");

    /**
     * What vLLM sent with a token that Scorpio passes on unchanged ({@link Token#relayed()}): the choice's non-null
     * fields other than those Scorpio writes itself ({@code logprobs}, {@code stop_reason}, ...) and, for chat, the
     * delta's ({@code tool_calls}, {@code reasoning_content}, ...); null when there are none.
     */
    static JsonObject relayed(JsonObject choice) {
        JsonObject out = nonNullExcept(choice, OWN_CHOICE_FIELDS);
        JsonObject delta = choice.getJsonObject("delta");
        JsonObject extra = delta == null ? null : nonNullExcept(delta, OWN_DELTA_FIELDS);
        if (extra != null) {
            out = (out == null ? new JsonObject() : out).put("delta", extra);
        }
        return out;
    }

    /** The object's non-null fields not named in {@code own}; null when there are none. */
    private static JsonObject nonNullExcept(JsonObject o, Set<String> own) {
        JsonObject out = null;
        for (Map.Entry<String, Object> e : o) {
            if (e.getValue() != null && !own.contains(e.getKey())) {
                out = out == null ? new JsonObject() : out;
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /**
     * The server failed (a stream closed or broke, it refused a connection, or a stream was silent for the token
     * timeout): every stream still open on it is lost, and is closed so that a hung server stops working on it.
     * The step then completes with them as {@link Step#lost()}, and the engine takes this worker out of service.
     */
    private void serverFailed(String why) {
        LOG.log(Level.WARNING, () -> "vLLM at " + baseUrl + " failed: " + why);
        List<Upstream> gone = new ArrayList<>();
        for (Upstream u : streams.values()) {
            if (u.error == null && !u.ended) {
                u.error = why;
                u.lost = true;
                gone.add(u);
            } else if (u.ended && !u.closed) {
                u.closed = true; // its last token came: it is not lost, only its usage
                u.stopTimer();
            }
        }
        gone.forEach(Upstream::cancel); // only once all are marked: a reset's handlers may run check() at once
        check();
    }

    /** One inter-token gap: a decode step of the streams now in flight. */
    private void sample(double gapMs) {
        if (!(gapMs > 0)) {
            return;
        }
        gapEwmaMs = Double.isNaN(gapEwmaMs) ? gapMs : 0.95 * gapEwmaMs + 0.05 * gapMs;
        int b = 0;
        long lengths = 0;
        for (Upstream s : streams.values()) {
            if (!s.ended && s.error == null) {
                b++;
                lengths += s.promptTokens + s.received;
            }
        }
        if (b == 0) {
            return;
        }
        samples.add(new DecodeSample(b, (double) lengths / b, gapMs));
        if (samples.size() > SAMPLE_WINDOW) {
            samples.poll();
        }
        if (++sinceRefit >= refitEvery && samples.size() >= 16) {
            sinceRefit = 0;
            try {
                ModelFit<StepTimeModel> fit = StepTimeModel.fitNonNegative(new ArrayList<>(samples));
                StepTimeModel m = fit.model();
                if (m.stepMs(1, 1) > 0 && Double.isFinite(fit.accuracy().r2())) {
                    refits.incrementAndGet();
                    context.refitted().accept(m);
                }
            } catch (RuntimeException e) {
                // Degenerate samples (e.g. one batch size only): keep the model we have.
                LOG.log(Level.DEBUG, () -> "step-time refit skipped: " + e.getMessage());
            }
        }
    }

    @Override
    public void abort(String requestId) {
        Upstream u = streams.remove(requestId);
        if (u != null) {
            u.cancel();
        }
        check();
    }

    @Override
    public Future<Boolean> healthy() {
        return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(baseUrl + "/health")
                        .setTimeout(2000))
                .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode() == 200)))
                .otherwise(false);
    }

    private void scrapeMetrics() {
        client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(baseUrl + "/metrics").setTimeout(2000))
                .compose(req -> req.send().compose(resp -> resp.body()))
                .onSuccess(b -> {
                    upstreamRunning = metricSum(b.toString(), "vllm:num_requests_running");
                    upstreamWaiting = metricSum(b.toString(), "vllm:num_requests_waiting");
                });
    }

    /** Sums every sample of one metric in a Prometheus text exposition (NaN when absent). */
    static double metricSum(String exposition, String name) {
        double sum = 0;
        boolean found = false;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name) && (line.length() == name.length() || line.charAt(name.length()) == '{'
                    || line.charAt(name.length()) == ' ')) {
                String[] parts = line.trim().split("\\s+");
                try {
                    sum += Double.parseDouble(parts[parts.length == 3 ? 1 : parts.length - 1]);
                    found = true;
                } catch (NumberFormatException ignored) {
                    // not a sample line
                }
            }
        }
        return found ? sum : Double.NaN;
    }

    /** The message of vLLM's error bodies: {@code {"object":"error","message":...}} or {@code {"error":{...}}}. */
    static String errorMessage(Buffer body) {
        try {
            JsonObject o = new JsonObject(body);
            Object inner = o.getValue("error");
            JsonObject err = inner instanceof JsonObject e ? e : o;
            String msg = err.getString("message");
            String type = err.getString("type");
            return (type == null ? "" : type + ": ") + (msg == null ? abbreviate(body.toString()) : msg);
        } catch (RuntimeException e) {
            return abbreviate(body.toString());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    @Override
    public Future<Void> close() {
        if (metricsTimer >= 0) {
            vertx.cancelTimer(metricsTimer);
        }
        for (Upstream u : new ArrayList<>(streams.values())) {
            u.cancel();
        }
        streams.clear();
        return client.close();
    }
}
