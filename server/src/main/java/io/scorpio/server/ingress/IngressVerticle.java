package io.scorpio.server.ingress;

import io.scorpio.server.api.ApiError;
import io.scorpio.server.NodeClock;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.StreamEvent;
import io.scorpio.server.cluster.ClusterRouter;
import io.scorpio.server.cluster.ClusterView;
import io.scorpio.server.cluster.EngineSnapshots;
import io.scorpio.server.cluster.NodeConsumers;
import io.scorpio.server.cluster.WireFormat;
import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.metrics.ServerMetrics;
import io.scorpio.server.registry.RequestRegistry;
import io.scorpio.server.security.AccessControl;
import io.scorpio.server.security.RateLimits;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The HTTP face of the node: OpenAI-compatible completions and chat completions (JSON or SSE), a WebSocket
 * token stream, models, health, readiness, Prometheus metrics. Thin: it validates, hands each request to an
 * {@link Inflight}, and writes what comes back.
 */
public final class IngressVerticle extends VerticleBase {

    private static final System.Logger LOG = System.getLogger(IngressVerticle.class.getName());
    /** How long /scorpio/state and /metrics wait for the request registry's counts. */
    private static final long STATE_COUNT_TIMEOUT_MS = 2000;
    /** How often a silent node is pinged, whatever cluster.round-trip-probe-ms says: its first answer brings it back. */
    private static final long SILENT_PING_MS = 1000;
    /** How often this node sends a warm-up to every address of every other node (see ClusterRouter#warmPeers). */
    private static final long WARM_PEERS_MS = 1000;
    /**
     * Bodies longer than this are parsed and tokenized on a worker thread: cl100k costs about 270 ms per MB, and an
     * event loop that spends that long stalls every stream on it.
     */
    static final int PARSE_OFF_LOOP_CHARS = 32 * 1024;
    /** The largest WebSocket frame taken; a larger one gets close 1009. Messages may span frames up to the body limit. */
    static final int WS_MAX_FRAME_BYTES = 64 * 1024;

    private final NodeSettings settings;
    private final NodeClock clock;
    private final ServerMetrics metrics;
    private final RequestRegistry registry;
    private final RequestParser parser;
    private final DeliveryOptions busOptions;
    private final AccessControl access;
    private long keysReloadTimer = -1;
    private final ClusterView cluster;
    /** The open streams of requests that entered here (event-loop confined). */
    private final Streams streams;
    private ConnectionGuard connections;
    private final KeySlots keySlots;
    /** Set on SIGTERM: /ready answers 503 and new requests are refused while the ones in flight finish. */
    private boolean draining;
    private ClusterRouter clusterRouter;
    private HttpServer server;
    private HttpServer opsServer;

    private final EngineSnapshots snapshots;

    /** An ingress alone (tests): no other node's snapshots to place by. */
    public IngressVerticle(NodeSettings settings, NodeClock clock, ServerMetrics metrics, RequestRegistry registry,
                           ClusterView cluster, RateLimits limits) {
        this(settings, clock, metrics, registry, cluster, limits, EngineSnapshots.single(settings.nodeId()));
    }

    public IngressVerticle(NodeSettings settings, NodeClock clock, ServerMetrics metrics, RequestRegistry registry,
                           ClusterView cluster, RateLimits limits, EngineSnapshots snapshots) {
        this.snapshots = snapshots;
        this.settings = settings;
        this.cluster = cluster;
        this.clock = clock;
        this.metrics = metrics;
        this.registry = registry;
        this.parser = new RequestParser(settings, new TokenCounter());
        this.busOptions = Addresses.local(settings.busTimeoutMs());
        this.access = AccessControl.from(settings.access(), settings.requests().sloClasses(), limits, metrics);
        this.streams = new Streams(metrics.openStreams());
        this.keySlots = new KeySlots(settings.limits().maxConcurrentPerKey());
    }

    /** The port actually bound (useful with {@code http.port=0}). */
    public int port() {
        return server.actualPort();
    }

    /** The port serving /metrics and /scorpio/state: {@link #port()} unless {@code metrics.port} is set. */
    public int metricsPort() {
        return opsServer == null ? port() : opsServer.actualPort();
    }

    @Override
    public Future<?> start() {
        this.clusterRouter = new ClusterRouter(vertx, cluster, clock, metrics, settings.busTimeoutMs(), settings.cluster(),
                snapshots, settings.guard().migration(),
                node -> replaceWaitingOn(node, "stopped answering", Inflight::nodeSilent));
        // Stream events of requests that entered here: from this node's guard by reference, from other nodes' as JSON.
        Future<Void> local = vertx.eventBus().<StreamEvent.Batch>localConsumer(Addresses.INGRESS_STREAMS,
                m -> streams.dispatch(m.body().events())).completion();
        Future<Void> remote = new NodeConsumers(vertx).<JsonObject>add(Addresses.nodeStreams(settings.nodeId()),
                m -> streams.dispatch(WireFormat.events(m.body()))).register();
        Future<Void> nodeLeft = vertx.eventBus().<String>localConsumer(Addresses.NODE_LEFT, m -> {
            clusterRouter.nodeLeft(m.body());
            replaceWaitingOn(m.body(), "left", Inflight::nodeLeft);
        }).completion();
        vertx.setPeriodic(0, WARM_PEERS_MS, t -> clusterRouter.warmPeers());
        long probeMs = settings.cluster().roundTripProbeMs();
        if (probeMs > 0) {
            vertx.setPeriodic(probeMs, t -> clusterRouter.probeRoundTrips());
        }
        if (probeMs == 0 || probeMs > SILENT_PING_MS) { // else the probe already pings every node, silent ones too
            vertx.setPeriodic(SILENT_PING_MS, t -> clusterRouter.pingSilent());
        }
        long reloadMs = settings.access().keysReloadMs();
        if (access.keysOn() && reloadMs > 0) {
            // Ordered blocking tasks: one read of the keys file at a time, off the event loop.
            keysReloadTimer = vertx.setPeriodic(reloadMs, t -> vertx.executeBlocking(access::reloadKeys));
        }
        return Future.all(local, remote, nodeLeft).compose(v -> listen());
    }

    /**
     * The waiting requests of a node that left, or went silent, are placed again at once; the time until the last of
     * them has its new guard's answer is logged (issue 18's goal: within 100 ms of the cluster noticing).
     */
    private void replaceWaitingOn(String node, String what, BiFunction<Inflight, String, Future<?>> each) {
        long t0 = System.nanoTime();
        List<Future<?>> replaced = new ArrayList<>();
        for (Inflight inflight : streams.all()) {
            Future<?> f = each.apply(inflight, node);
            if (f != null) {
                replaced.add(f);
            }
        }
        if (!replaced.isEmpty()) {
            Future.join(replaced).onComplete(done -> LOG.log(System.Logger.Level.INFO, String.format(Locale.ROOT,
                    "node %s %s: %d waiting requests placed again in %.1f ms", node, what, replaced.size(),
                    (System.nanoTime() - t0) / 1e6)));
        }
    }

    private Future<?> listen() {
        Router router = Router.router(vertx);
        connections = new ConnectionGuard(vertx, settings.limits(), metrics);
        router.route().handler(connections::onRequest); // first: header and body timeouts, connection caps
        router.route().handler(this::refuseWhileDraining);
        access.mount(router); // API keys, SLO-class rights, rate limits, WebSocket Origin: all of security.*
        router.route("/v1/ws").handler(this::webSocket);
        BodyHandler body = BodyHandler.create(false).setBodyLimit(settings.http().maxBodyBytes());
        router.post("/v1/completions").handler(body).handler(ctx -> completion(ctx, false));
        router.post("/v1/chat/completions").handler(body).handler(ctx -> completion(ctx, true));
        router.get("/v1/models").handler(this::models);
        router.get("/v1/models/:id").handler(this::model);
        router.get("/health").handler(ctx -> json(ctx.response(), 200, new JsonObject().put("status", "ok")));
        router.get("/ready").handler(this::ready);
        // Operational endpoints go to their own server when metrics.port is set (e.g. bound to a private interface).
        Router ops = settings.access().metricsPort().isPresent() ? Router.router(vertx) : router;
        ops.get("/metrics").handler(this::metricsEndpoint);
        ops.get("/scorpio/state").handler(this::state);
        // The dashboard shows what /metrics does: with metrics.port set it lives there, beside /metrics; on the main
        // port with API keys on, it needs a key like every /v1/ route.
        if (ops == router && access.keysOn()) {
            router.route("/dashboard*").handler(access::requireKey);
        }
        io.scorpio.server.dashboard.DashboardRoutes.mount(ops, vertx, settings, metrics, snapshots,
                clusterRouter::silentNodes);
        router.errorHandler(404, ctx -> error(ctx, 404, "not_found", "no route for " + ctx.request().method() + " "
                + ctx.request().path()));
        router.errorHandler(405, ctx -> error(ctx, 405, "method_not_allowed", ctx.request().method()
                + " is not allowed on " + ctx.request().path()));
        router.errorHandler(413, ctx -> error(ctx, 413, "request_too_large", "the request body exceeds "
                + settings.http().maxBodyBytes() + " bytes"));
        router.errorHandler(400, ctx -> error(ctx, 400, "invalid_request", "bad request"));
        router.errorHandler(500, ctx -> {
            if (ctx.failure() instanceof ApiError e) {
                apiError(ctx.response(), e);
                return;
            }
            LOG.log(Level.WARNING, "unhandled error on " + ctx.request().path(), ctx.failure());
            error(ctx, 500, "internal_error", "internal error");
        });

        HttpServerOptions options = new HttpServerOptions().setHost(settings.http().host()).setPort(settings.http().port())
                // The transport's own limits are set well above ours so that WebSocketMessages sees what is over ours and
                // answers it (close 1009, or an error naming the request); past the transport's the connection just closes.
                .setMaxWebSocketMessageSize(2 * Math.max(settings.http().maxBodyBytes(), WS_MAX_FRAME_BYTES))
                .setMaxWebSocketFrameSize(2 * Math.max(settings.http().maxBodyBytes(), WS_MAX_FRAME_BYTES))
                // HTTP/1.1 only: with cleartext HTTP/2 on, a connection is set up only once its first bytes show which
                // protocol it speaks, so one that sends nothing would never reach the connection handler's timers and caps.
                .setHttp2ClearTextEnabled(false)
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS).setIdleTimeout((int) settings.limits().idleTimeoutMs());
        Future<?> opsStarted = ops == router ? Future.succeededFuture() : vertx.createHttpServer(new HttpServerOptions()
                .setHost(settings.access().metricsHost()).setPort(settings.access().metricsPort().getAsInt()))
                .requestHandler(ops).listen().onSuccess(s -> {
                    opsServer = s;
                    LOG.log(Level.INFO, () -> "metrics listening on " + settings.access().metricsHost() + ":" + s.actualPort());
                });
        return opsStarted.compose(v -> vertx.createHttpServer(options).connectionHandler(connections::connected)
                .requestHandler(router).listen()).onSuccess(s -> {
            server = s;
            LOG.log(Level.INFO, () -> "ingress listening on " + settings.http().host() + ":" + s.actualPort()
                    + (access.keysOn() ? " (API keys on)" : ""));
        });
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(keysReloadTimer);
        return Future.all(server == null ? Future.succeededFuture() : server.close(),
                opsServer == null ? Future.succeededFuture() : opsServer.close());
    }

    /** Parses and tokenizes a request: on the event loop when small, on a worker thread when large. */
    private Future<CompletionRequest> parse(String text, JsonObject json, RoutingContext ctx, boolean chat) {
        if (text != null && text.length() > PARSE_OFF_LOOP_CHARS) {
            return vertx.executeBlocking(() -> parser.parse(json != null ? json : RequestParser.parseJson(text),
                    ctx.request().headers(), chat), false);
        }
        try {
            return Future.succeededFuture(parser.parse(json != null ? json : RequestParser.parseJson(text),
                    ctx.request().headers(), chat));
        } catch (ApiError e) {
            return Future.failedFuture(e);
        }
    }

    private static final ApiError SHUTTING_DOWN = new ApiError(503, "server_error", null, "server_shutting_down",
            "the node is shutting down and takes no new requests; retry on another node");

    /** While draining, new work is refused at once; probes, models and metrics are still answered. */
    private void refuseWhileDraining(RoutingContext ctx) {
        String path = ctx.request().path();
        if (draining && (path.startsWith("/v1/completions") || path.startsWith("/v1/chat/") || path.startsWith("/v1/ws"))) {
            metrics.badRequest(503, SHUTTING_DOWN.code());
            ctx.response().putHeader("connection", "close");
            apiError(ctx.response(), SHUTTING_DOWN);
            return;
        }
        ctx.next();
    }

    /**
     * Graceful drain (SIGTERM; docs/service.md, "Shutdown"): /ready turns 503 and new requests get 503
     * {@code server_shutting_down} at once; requests in flight may finish for {@code graceMs}; those still running
     * then end with a {@code server_shutdown} error (an error frame and [DONE] mid-stream). Completes when every
     * request has ended and its last bytes were handed to the connection. Callable from any thread.
     */
    public Future<Integer> drain(long graceMs) {
        io.vertx.core.Promise<Integer> done = io.vertx.core.Promise.promise();
        context.runOnContext(v -> {
            draining = true;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMs);
            vertx.setPeriodic(1, 25, timer -> {
                List<Inflight> left = streams.all();
                if (left.isEmpty()) {
                    vertx.cancelTimer(timer);
                    done.complete(0);
                } else if (System.nanoTime() >= deadline) {
                    vertx.cancelTimer(timer);
                    int cut = left.size();
                    for (Inflight inflight : left) {
                        inflight.shutdown("the node is shutting down and this request did not finish within its "
                                + graceMs + " ms grace period (shutdown.grace-ms); retry on another node");
                    }
                    // Let the error frames reach the sockets before the servers close.
                    vertx.setTimer(200, t -> done.complete(cut));
                }
            });
        });
        return done.future();
    }

    private void completion(RoutingContext ctx, boolean chat) {
        double arrival = clock.nowMs();
        parse(ctx.body().asString(), null, ctx, chat).onComplete(parsed -> {
            if (parsed.failed()) {
                if (parsed.cause() instanceof PromptRefused r) {
                    r.count(metrics);
                    apiError(ctx.response(), r);
                } else if (parsed.cause() instanceof ApiError e) {
                    metrics.badRequest(e.status(), e.type());
                    apiError(ctx.response(), e);
                } else {
                    ctx.fail(parsed.cause());
                }
                return;
            }
            admit(ctx, parsed.result(), chat, arrival);
        });
    }

    private void admit(RoutingContext ctx, CompletionRequest parsed, boolean chat, double arrival) {
        access.admit(ctx, parsed.requestedSlo(), false).map(parsed::withSlo).onComplete(admitted -> {
            if (admitted.failed()) {
                if (admitted.cause() instanceof ApiError e) {
                    metrics.badRequest(e.status(), e.type());
                    apiError(ctx.response(), e);
                } else {
                    ctx.fail(admitted.cause());
                }
                return;
            }
            if (ctx.response().closed()) {
                return; // the client left while its key's rate was checked: nothing was started
            }
            if (draining) {
                apiError(ctx.response(), SHUTTING_DOWN);
                return;
            }
            CompletionRequest request = admitted.result();
            Runnable slot;
            try {
                slot = takeKeySlot(ctx);
            } catch (ApiError e) {
                metrics.badRequest(e.status(), e.code());
                apiError(ctx.response(), e);
                return;
            }
            String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
            HttpSink sink = new HttpSink(ctx.response(), request, id, System.currentTimeMillis() / 1000);
            Inflight inflight = new Inflight(vertx.eventBus(), clock, metrics, clusterRouter, streams, settings.predictor().timeoutMs(), id,
                    request, arrival, sink).onEnd(slot);
            // A closed connection before the response ends is a client abort (SSE clients cancel by disconnecting).
            ctx.response().closeHandler(v -> {
                if (!ctx.response().ended()) {
                    inflight.clientGone();
                }
            });
            inflight.start();
        });
    }

    private void webSocket(RoutingContext ctx) {
        String upgrade = ctx.request().getHeader("upgrade");
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            // Checked here because Vert.x's own refusal is a plain-text 400.
            error(ctx, 400, "websocket_required", "this endpoint speaks WebSocket only (send Upgrade: websocket)");
            return;
        }
        connections.upgraded(ctx.request());
        ctx.request().toWebSocket().onSuccess(ws -> {
            WebSocketSession session = new WebSocketSession(ws, settings.limits().maxWsRequests());
            // Frames are assembled here, not by Vert.x, so that every limit gets an answer (WebSocketMessages).
            Consumer<String> onText = text -> session.onMessage(text, (clientId, msg) -> {
                double arrival = clock.nowMs();
                boolean chat = msg.getValue("messages") != null;
                if (draining) {
                    return Future.failedFuture(SHUTTING_DOWN);
                }
                return parse(text, msg, ctx, chat).compose(parsed -> access.admit(ctx, parsed.requestedSlo(), true).map(parsed::withSlo))
                        .compose(admitted -> draining ? Future.failedFuture(SHUTTING_DOWN) : Future.succeededFuture(admitted))
                        .onFailure(err -> {
                    if (err instanceof PromptRefused r) {
                        r.count(metrics);
                    } else if (err instanceof ApiError e) {
                        metrics.badRequest(e.status(), e.type());
                    }
                }).map(request -> new Inflight(vertx.eventBus(), clock, metrics, clusterRouter, streams, settings.predictor().timeoutMs(),
                        "ws-" + UUID.randomUUID().toString().replace("-", ""), request, arrival, session.sink(clientId))
                        .onEnd(takeKeySlot(ctx)));
            });
            Runnable onBinary = () -> ws.writeTextMessage(new JsonObject().put("type", "error").put("status", 400)
                    .put("error", ApiError.body("binary messages are not supported; send JSON text", ApiError.INVALID_REQUEST,
                            null, "invalid_type").getJsonObject("error")).encode());
            WebSocketMessages messages = new WebSocketMessages(ws, settings.http().maxBodyBytes(), WS_MAX_FRAME_BYTES, onText, onBinary,
                    id -> {
                        metrics.badRequest(413, "request_too_large");
                        session.refuse(id, new ApiError(413, ApiError.INVALID_REQUEST, null, "request_too_large",
                                "the message exceeds " + settings.http().maxBodyBytes() + " bytes (http.max-body-bytes)"));
                    });
            ws.frameHandler(messages::frame);
        }).onFailure(err -> {
            if (!ctx.response().ended()) {
                error(ctx, 400, "websocket_required", "this endpoint speaks WebSocket only: " + err.getMessage());
            }
        });
    }

    /** A slot of the request's API key (none to take without keys); throws the 429 when the key has none left. */
    private Runnable takeKeySlot(RoutingContext ctx) {
        io.scorpio.server.security.ApiKey key = ctx.get(AccessControl.KEY);
        return key == null ? () -> { } : keySlots.take(key.id());
    }

    private void models(RoutingContext ctx) {
        json(ctx.response(), 200, new JsonObject().put("object", "list").put("data", new JsonArray().add(modelCard())));
    }

    private void model(RoutingContext ctx) {
        if (!settings.requests().modelName().equals(ctx.pathParam("id"))) {
            error(ctx, 404, "model_not_found", "The model `" + ctx.pathParam("id") + "` does not exist.");
            return;
        }
        json(ctx.response(), 200, modelCard());
    }

    private JsonObject modelCard() {
        return new JsonObject().put("id", settings.requests().modelName()).put("object", "model").put("created", 0)
                .put("owned_by", "scorpio").put("root", settings.requests().modelName())
                .put("scorpio", new JsonObject().put("policy", settings.guard().policy().name())
                        .put("credits", settings.guard().policy().credits()).put("worker", settings.worker().kind())
                        .put("engines", settings.guard().engines()).put("slo_classes", new JsonArray(
                                new ArrayList<>(settings.requests().sloClasses().keySet()))));
    }

    /** Ready when every engine's worker says it can take requests (for vLLM: its /health answers 200). */
    private void ready(RoutingContext ctx) {
        if (draining) {
            json(ctx.response(), 503, new JsonObject().put("status", "draining"));
            return;
        }
        List<Future<Boolean>> checks = new ArrayList<>();
        for (int e = 0; e < settings.guard().engines(); e++) {
            checks.add(vertx.eventBus().<Boolean>request(Addresses.engineHealth(e), "?",
                    Addresses.local(3000)).map(m -> m.body()).otherwise(false));
        }
        Future.all(checks).onComplete(all -> {
            JsonArray engines = new JsonArray();
            boolean ok = true;
            for (Future<Boolean> c : checks) {
                boolean healthy = c.succeeded() && Boolean.TRUE.equals(c.result());
                engines.add(healthy);
                ok &= healthy;
            }
            json(ctx.response(), ok ? 200 : 503, new JsonObject().put("status", ok ? "ready" : "not_ready")
                    .put("engines", engines));
        });
    }

    private void metricsEndpoint(RoutingContext ctx) {
        // Bounded as in /scorpio/state: with a member frozen, the registry's writes (and this count behind them) wait
        // on it, and a scrape must still answer; the gauge then keeps its last value.
        registry.ownedCount().timeout(STATE_COUNT_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(n -> {
            if (n.succeeded()) {
                metrics.registryEntries().set(n.result());
            }
            ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
        });
    }

    private void state(RoutingContext ctx) {
        vertx.eventBus().<JsonObject>request(Addresses.GUARD_STATE, "?", busOptions).onComplete(guard -> {
            // Bounded: the counts wait behind the registry's writes to the cluster map, and a slow cluster must not
            // hold up the node's own state (a count not in time reads -1).
            Future<Integer> owned = registry.ownedCount().timeout(STATE_COUNT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Future<Integer> total = registry.totalCount().timeout(STATE_COUNT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Future.join(owned, total).onComplete(n -> {
                if (guard.failed()) {
                    error(ctx, 500, "internal_error", "the guard did not answer");
                    return;
                }
                json(ctx.response(), 200, guard.result().body().copy()
                        .put("registry_entries", owned.succeeded() ? owned.result() : -1)
                        .put("registry_entries_cluster", total.succeeded() ? total.result() : -1)
                        .put("cluster_silent", new JsonArray(new ArrayList<>(clusterRouter.silentNodes())))
                        .put("open_streams", metrics.openStreams().get())
                        .put("inflight", streams.all().size()));
            });
        });
    }

    private void error(RoutingContext ctx, int status, String code, String message) {
        metrics.badRequest(status, code);
        apiError(ctx.response(), new ApiError(status, status >= 500 ? "server_error" : ApiError.INVALID_REQUEST, null, code,
                message));
    }

    private static void apiError(HttpServerResponse response, ApiError e) {
        if (response.ended() || response.closed()) {
            return;
        }
        if (response.headWritten()) {
            response.end();
            return;
        }
        response.setStatusCode(e.status()).putHeader("content-type", "application/json");
        if (e.status() == 400 && PromptRefused.isRefusal(e.code())) {
            response.putHeader("x-should-retry", "false"); // as the guard's own refusal of the same request
        }
        response.end(e.body().encode());
    }

    private static void json(HttpServerResponse response, int status, JsonObject body) {
        if (!response.ended() && !response.closed()) {
            response.setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
        }
    }
}
