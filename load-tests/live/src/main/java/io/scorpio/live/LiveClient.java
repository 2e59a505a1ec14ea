package io.scorpio.live;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.report.ProgressBar;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.RejectReason;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Replays a workload against a running Scorpio node (or a cluster's nodes, round robin) over SSE
 * ({@code POST /v1/completions}, {@code stream: true}) or the WebSocket protocol ({@code /v1/ws}), each request sent
 * at its arrival time, and records what the client sees. Bounded: at most the workload's requests, and at most
 * {@code maxSeconds} of wall time, after which every unfinished request is aborted on the wire and counted as
 * aborted (requests not yet sent are not sent).
 *
 * <p>With {@link Prompts#SYNTHETIC} (the default) each request asks for {@code max_tokens} = its true output length
 * with {@code ignore_eos}: the simulated workers run every sequence to max_tokens, so this forces the workload's
 * output lengths. Prompts are built with exactly the workload's prompt length in cl100k tokens ({@link PromptText}).
 * With {@link Prompts#TEXT} it sends what a user sends: see there.
 */
public final class LiveClient implements AutoCloseable {

    public enum Transport { SSE, WS }

    /** What a request's body carries. */
    public enum Prompts {
        /**
         * Length-matched synthetic text, {@code max_tokens} = the true output length and {@code ignore_eos}: every
         * server runs exactly the workload's tokens, and a Scorpio node knows each output length from max_tokens.
         */
        SYNTHETIC,
        /**
         * The workload's real prompt text, {@code max_tokens} = the request's own cap ({@link WorkloadRequest#maxTokens},
         * the paper's 2,048 for the datasets' workloads) and no {@code ignore_eos}: the server stops where its model
         * stops (the stand-in at the replayed answer length), and a Scorpio node must predict the length.
         */
        TEXT;

        public static Prompts named(String name) {
            return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "synthetic" -> SYNTHETIC;
                case "text" -> TEXT;
                default -> throw new IllegalArgumentException("--prompts must be text or synthetic, not " + name);
            };
        }
    }

    /**
     * @param targets     the service's nodes (loopback only); requests go to them round robin by request id, so a
     *                    cluster's nodes share the entry work evenly
     * @param transport   SSE or WebSocket
     * @param model       the model name the service serves
     * @param maxSeconds  wall-time bound of a run
     * @param wsSockets   WebSocket connections per target the requests are spread over (round robin)
     * @param progress    draw a progress bar on stderr
     * @param gaps        where to record every inter-token gap (the gateway benchmark), or null
     * @param stock       the targets are stock vLLM servers, not Scorpio nodes: requests carry no SLO (a stock server
     *                    refuses fields it does not know); the client still judges each request by its SLO
     * @param prompts     synthetic length-matched prompts run to their true length, or the real text with a cap
     */
    public record Options(List<Loopback> targets, Transport transport, String model, double maxSeconds, int wsSockets,
                          boolean progress, GapHistogram gaps, boolean stock, Prompts prompts) {
        public Options {
            targets = List.copyOf(targets);
            if (targets.isEmpty() || !(maxSeconds > 0) || wsSockets < 1) {
                throw new IllegalArgumentException("need at least one target, maxSeconds > 0 and wsSockets >= 1");
            }
            java.util.Objects.requireNonNull(prompts, "prompts");
        }

        public Options(List<Loopback> targets, Transport transport, String model, double maxSeconds, int wsSockets,
                       boolean progress, GapHistogram gaps, boolean stock) {
            this(targets, transport, model, maxSeconds, wsSockets, progress, gaps, stock, Prompts.SYNTHETIC);
        }

        public Options(List<Loopback> targets, Transport transport, String model, double maxSeconds, int wsSockets,
                       boolean progress, GapHistogram gaps) {
            this(targets, transport, model, maxSeconds, wsSockets, progress, gaps, false);
        }

        public Options(Loopback target, Transport transport, String model, double maxSeconds, int wsSockets,
                       boolean progress, GapHistogram gaps) {
            this(List.of(target), transport, model, maxSeconds, wsSockets, progress, gaps);
        }

        public Options(Loopback target, Transport transport, String model, double maxSeconds, int wsSockets,
                       boolean progress) {
            this(List.of(target), transport, model, maxSeconds, wsSockets, progress, null);
        }

        public Options(List<Loopback> targets, Transport transport, String model, double maxSeconds, int wsSockets,
                       boolean progress) {
            this(targets, transport, model, maxSeconds, wsSockets, progress, null);
        }

        /** The target that request {@code id} is sent to. */
        public Loopback targetFor(long id) {
            return targets.get((int) Math.floorMod(id, (long) targets.size()));
        }
    }

    /** The outcome of one run: a result per sent request (in id order) and how many were never sent. */
    public record Run(List<RequestResult> results, int notSent, double wallSeconds) {
    }

    private static final Map<String, RejectReason> REJECT_TYPES = new ConcurrentHashMap<>();

    static {
        for (RejectReason r : RejectReason.values()) {
            REJECT_TYPES.put(r.errorType(), r);
        }
    }

    private final Options options;
    private final Vertx vertx;
    private final HttpClientAgent http;
    private final WebSocketClient wsClient;

    public LiveClient(Options options) {
        this.options = options;
        this.vertx = Vertx.vertx();
        // One connection per open SSE stream: the pool must hold as many as the run may have in flight.
        this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(8192).setMaxWaitQueueSize(-1));
        this.wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
                .setMaxMessageSize(1 << 22).setTcpNoDelay(true));
    }

    /** Runs the workload and blocks until every sent request ended or the time bound passed. */
    public Run run(List<WorkloadRequest> workload) throws Exception {
        if (options.prompts() == Prompts.TEXT) {
            workload.stream().filter(w -> w.promptText() == null).findFirst().ifPresent(w -> {
                throw new IllegalArgumentException("request " + w.id() + " has no prompt text: real-text prompts need "
                        + "a workload with text (arena-hard, castillo-chat)");
            });
        }
        List<WorkloadRequest> ordered = new ArrayList<>(workload);
        ordered.sort(Comparator.comparingDouble(WorkloadRequest::arrivalMs));
        RunState state = new RunState(ordered);
        if (options.transport() == Transport.WS) {
            state.sockets = openSockets(state);
        }
        long start = System.nanoTime();
        state.startNanos = start;
        vertx.runOnContext(v -> state.pump());
        long deadlineMs = (long) Math.ceil(options.maxSeconds() * 1000);
        vertx.setTimer(Math.max(1, deadlineMs), id -> state.deadline());
        // The deadline ends every request, so this wait is bounded too; the margin covers the abort round.
        state.done.get(deadlineMs + 30_000, TimeUnit.MILLISECONDS);
        double wall = (System.nanoTime() - start) / 1e9;
        if (state.sockets != null) {
            for (WsConnection c : state.sockets) {
                c.ws.close();
            }
        }
        List<RequestResult> results = new ArrayList<>(state.results);
        results.sort(Comparator.comparingLong(RequestResult::id));
        return new Run(List.copyOf(results), ordered.size() - state.sent.get(), wall);
    }

    private List<WsConnection> openSockets(RunState state) throws Exception {
        List<WsConnection> out = new ArrayList<>();
        // Socket i connects to target i % targets, so "request id % sockets" also sends request ids round robin
        // over the targets (the socket count is a multiple of the target count).
        int count = options.wsSockets() * options.targets().size();
        for (int i = 0; i < count; i++) {
            Loopback target = options.targetFor(i);
            WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setHost(target.host())
                    .setPort(target.port()).setURI("/v1/ws")).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            out.add(new WsConnection(ws, state));
        }
        return out;
    }

    /** The state of one run, shared by the pump, the streams and the deadline. */
    private final class RunState {
        final List<WorkloadRequest> ordered;
        final ConcurrentLinkedQueue<RequestResult> results = new ConcurrentLinkedQueue<>();
        /** The requests still open, so that the deadline can abort them; ended ones leave (a soak sends 10^4+). */
        final Map<Long, Tracker> open = new ConcurrentHashMap<>();
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final ProgressBar bar;
        volatile boolean stopped;
        long startNanos;
        int next;
        List<WsConnection> sockets;

        RunState(List<WorkloadRequest> ordered) {
            this.ordered = ordered;
            this.bar = options.progress() ? new ProgressBar("live " + options.transport().name().toLowerCase(),
                    ordered.size()) : null;
            if (ordered.isEmpty()) {
                done.complete(null);
            }
        }

        double nowMs() {
            return (System.nanoTime() - startNanos) / 1e6;
        }

        /** Sends every request whose arrival time has come, then sleeps until the next one (one timer at a time). */
        void pump() {
            if (stopped) {
                return;
            }
            double now = nowMs();
            while (next < ordered.size() && ordered.get(next).arrivalMs() <= now) {
                send(ordered.get(next++));
            }
            if (next < ordered.size()) {
                long wait = Math.max(1, (long) Math.floor(ordered.get(next).arrivalMs() - nowMs()));
                vertx.setTimer(wait, id -> pump());
            }
        }

        void send(WorkloadRequest w) {
            Tracker t = new Tracker(w, nowMs(), options.gaps());
            open.put((long) w.id(), t);
            sent.incrementAndGet();
            if (options.transport() == Transport.SSE) {
                sendSse(t, this);
            } else {
                sockets.get(w.id() % sockets.size()).send(t);
            }
        }

        void record(RequestResult r) {
            if (r == null) {
                return;
            }
            results.add(r);
            open.remove(r.id());
            if (bar != null) {
                bar.step(r.outcome().name().toLowerCase());
            }
            int n = ended.incrementAndGet();
            if (n == ordered.size() || (stopped && n == sent.get())) {
                done.complete(null);
            }
        }

        /** The time bound: stop sending, abort whatever is still open. */
        void deadline() {
            stopped = true;
            double now = nowMs();
            for (Tracker t : List.copyOf(open.values())) {
                record(t.abortNow(now));
            }
            if (ended.get() >= sent.get()) {
                done.complete(null);
            }
        }
    }

    /**
     * The request as benchmark clients send it to vLLM (see {@link Prompts}), and, for a Scorpio node, the SLO.
     * Synthetic: {@code ignore_eos} so that a real engine (or the vLLM stand-in) runs to {@code max_tokens} (the
     * simulated workers always do). Text: the prompt and a cap, as a user sends them.
     */
    JsonObject body(WorkloadRequest w) {
        JsonObject body = new JsonObject().put("model", options.model());
        if (options.prompts() == Prompts.TEXT) {
            body.put("prompt", w.promptText()).put("max_tokens", w.maxTokens());
        } else {
            body.put("prompt", PromptText.of(w.promptTokens())).put("max_tokens", w.outputTokens()).put("ignore_eos", true);
        }
        if (!options.stock()) {
            body.put("slo", new JsonObject().put("ttft_ms", w.slo().ttftMs()).put("tpot_ms", w.slo().tpotMs()));
        }
        return body;
    }

    private void sendSse(Tracker t, RunState state) {
        Buffer payload = body(t.w).put("stream", true).toBuffer();
        Loopback target = options.targetFor(t.w.id());
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost(target.host())
                .setPort(target.port()).setURI("/v1/completions")
                .putHeader("content-type", "application/json").putHeader("accept", "text/event-stream");
        http.request(ro).onFailure(e -> state.record(t.failed(state.nowMs(), "connect: " + e.getMessage())))
                .onSuccess(req -> {
                    t.onAbort(() -> req.reset());
                    req.send(payload).onFailure(e -> state.record(t.failed(state.nowMs(), "send: " + e.getMessage())))
                            .onSuccess(resp -> onSseResponse(t, state, resp));
                });
    }

    private void onSseResponse(Tracker t, RunState state, HttpClientResponse resp) {
        if (resp.statusCode() != 200) {
            resp.body().onComplete(ar -> {
                double now = state.nowMs();
                String type = ar.succeeded() ? errorType(ar.result().toString()) : "unreadable";
                RejectReason reason = REJECT_TYPES.get(type);
                state.record(reason != null ? t.rejected(now, reason)
                        : t.failed(now, "http " + resp.statusCode() + " " + type));
            });
            return;
        }
        SseEvents events = new SseEvents(new SseEvents.Listener() {
            @Override
            public void token() {
                t.token(state.nowMs());
            }

            @Override
            public void other(String data) {
                double now = state.nowMs();
                if (data.equals("[DONE]")) {
                    state.record(t.completed(now));
                } else if (data.startsWith("{\"error\"")) {
                    state.record(t.failed(now, "error frame: " + errorType(data)));
                } else {
                    t.token(now);
                }
            }
        });
        resp.handler(events::feed);
        resp.exceptionHandler(e -> state.record(t.failed(state.nowMs(), "stream: " + e.getMessage())));
        resp.endHandler(v -> state.record(t.failed(state.nowMs(), "stream closed without [DONE]")));
    }

    static String errorType(String body) {
        try {
            JsonObject err = new JsonObject(body).getJsonObject("error");
            return err == null ? "no_error_object" : String.valueOf(err.getString("type"));
        } catch (RuntimeException e) {
            return "unparseable_error_body";
        }
    }

    /** One WebSocket carrying many requests, told apart by id. */
    private final class WsConnection {
        final WebSocket ws;
        final Map<String, Tracker> live = new ConcurrentHashMap<>();

        WsConnection(WebSocket ws, RunState state) {
            this.ws = ws;
            ws.textMessageHandler(text -> onMessage(new JsonObject(text), state));
            ws.closeHandler(v -> {
                double now = state.nowMs();
                live.values().forEach(t -> state.record(t.failed(now, "websocket closed")));
            });
        }

        void send(Tracker t) {
            String id = "r" + t.w.id();
            live.put(id, t);
            t.onAbort(() -> ws.writeTextMessage(new JsonObject().put("type", "abort").put("id", id).encode()));
            ws.writeTextMessage(body(t.w).put("type", "request").put("id", id).encode());
        }

        void onMessage(JsonObject m, RunState state) {
            String id = m.getString("id");
            Tracker t = id == null ? null : live.get(id);
            if (t == null) {
                return;
            }
            double now = state.nowMs();
            switch (String.valueOf(m.getString("type"))) {
                case "token" -> t.token(now);
                case "done" -> end(id, state, t.completed(now));
                case "rejected" -> {
                    JsonObject err = m.getJsonObject("error", new JsonObject());
                    RejectReason reason = REJECT_TYPES.get(err.getString("type"));
                    end(id, state, reason != null ? t.rejected(now, reason)
                            : t.failed(now, "rejected: " + err.getString("type")));
                }
                case "error" -> end(id, state, t.failed(now, "error " + m.getInteger("status") + " "
                        + m.getJsonObject("error", new JsonObject()).getString("type")));
                default -> { }
            }
        }

        private void end(String id, RunState state, RequestResult r) {
            live.remove(id);
            state.record(r);
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
