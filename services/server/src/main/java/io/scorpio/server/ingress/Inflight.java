package io.scorpio.server.ingress;

import io.scorpio.model.RejectReason;
import io.scorpio.model.RequestOutcome;
import io.scorpio.server.NodeClock;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.bus.StreamEvents;
import io.scorpio.server.cluster.ClusterRouter;
import io.scorpio.server.metrics.ServerMetrics;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;

/**
 * One request at the ingress, from validated input to its single outcome: completed, rejected, aborted or
 * failed, recorded exactly once. It opens the request's token stream before submitting (so no event can be
 * missed), asks the predictor, submits to the guard, then pulls the stream one event at a time as fast as the
 * client reads. If the client goes away first, the guard is told to abort, which frees its KV blocks and its
 * admitted-set entry.
 *
 * <p>In a cluster the {@link ClusterRouter} picks the node that serves it. If that node leaves the cluster
 * before the first token, the request is placed again elsewhere under a new submission id (so nothing the
 * old node still sends can reach this client: a request is never served twice); after the first token it
 * ends with an error.
 *
 * <p>Lives on the ingress's event loop: every method runs there.
 */
final class Inflight {

    private final Vertx vertx;
    private final EventBus bus;
    private final NodeClock clock;
    private final ServerMetrics metrics;
    private final ClusterRouter router;
    private final Map<String, Inflight> live;
    private final long predictorTimeoutMs;
    private final String id;
    private final CompletionRequest request;
    private final double arrivalMs;
    private final Sink sink;
    private TokenStream stream;
    private Flow.Subscription subscription;
    private int predicted = -1;
    /** Placements so far; the submission id of placement {@code n > 0} is {@code id-rn}. */
    private int attempt;
    /** Nodes this request must not be placed on: those that left, and one whose guard rejected it for TTFT. */
    private final List<String> excluded = new ArrayList<>();
    private boolean migrated;
    private String servingNode;
    private boolean submitted;
    private boolean ended;
    private int tokens;
    private double firstTokenMs = Double.NaN;

    /**
     * @param live this ingress's live requests by id: the request adds itself on start and removes itself when it
     *             ends, so that the ingress can tell it when a node leaves
     */
    Inflight(Vertx vertx, NodeClock clock, ServerMetrics metrics, ClusterRouter router, Map<String, Inflight> live,
             long predictorTimeoutMs, String id, CompletionRequest request, double arrivalMs, Sink sink) {
        this.vertx = vertx;
        this.bus = vertx.eventBus();
        this.clock = clock;
        this.metrics = metrics;
        this.router = router;
        this.live = live;
        this.predictorTimeoutMs = predictorTimeoutMs;
        this.id = id;
        this.request = request;
        this.arrivalMs = arrivalMs;
        this.sink = sink;
    }

    String id() {
        return id;
    }

    /** The id the serving guard knows this placement by. */
    private String submissionId() {
        return attempt == 0 ? id : id + "-r" + attempt;
    }

    void start() {
        live.put(id, this);
        Uni.createFrom().completionStage(() -> openStream().toCompletionStage())
                .chain(ready -> predict())
                .subscribe().with(n -> {
                    predicted = n;
                    place(null);
                }, this::failBeforeSubmit);
    }

    /** Opens the token stream of the current placement; it must be listening before the submission goes out. */
    private Future<Void> openStream() {
        stream = new TokenStream(vertx, Addresses.stream(submissionId()), request.maxTokens(), metrics.openStreams());
        return stream.ready();
    }

    /**
     * Submits the current placement. {@code rejection} is set for a migration: the TTFT rejection that started it,
     * reported after all if no other node has room for the request.
     */
    private void place(JsonObject rejection) {
        if (ended) {
            return; // the client left while we were predicting: nothing was submitted
        }
        String sid = submissionId();
        int placement = attempt;
        router.submit(new Messages.Submit(sid, Addresses.stream(sid), arrivalMs, request.promptTokens(), request.maxTokens(),
                        request.slo(), predicted, request.prompt()), excluded, rejection != null)
                .onSuccess(p -> {
                    if (placement == attempt) {
                        servingNode = p.node();
                        if (rejection != null) {
                            metrics.migrated("node");
                        }
                        onSubmitted(p.reply());
                    }
                })
                .onFailure(err -> {
                    if (placement != attempt) {
                        return;
                    }
                    servingNode = err instanceof ClusterRouter.PlacementFailed f ? f.node() : null;
                    if (rejection != null && err instanceof ClusterRouter.NoRoom) {
                        rejected(rejection);
                    } else {
                        failBeforeSubmit(err);
                    }
                });
    }

    /** Ends the current placement's stream and places the request again under a new submission id. */
    private void placeAgain(JsonObject rejection) {
        closeStream();
        submitted = false;
        servingNode = null;
        attempt++;
        openStream().onComplete(ready -> {
            if (ready.failed()) {
                failBeforeSubmit(ready.cause());
            } else {
                place(rejection);
            }
        });
    }

    /**
     * A node left the cluster. If it was serving this request and no token has reached the client yet, the
     * request is placed again on the nodes that remain; after a token, it ends with an error (a stream cannot be
     * resumed elsewhere without sending some tokens twice or skipping some).
     */
    void nodeLeft(String node) {
        excluded.add(node);
        if (ended || !submitted || !node.equals(servingNode)) {
            return;
        }
        if (tokens > 0) {
            if (end(RequestOutcome.FAILED, "node_left")) {
                sink.failed(502, "the node serving this request (" + node + ") left the cluster after " + tokens + " tokens");
            }
            return;
        }
        metrics.replaced("node_left");
        placeAgain(null);
    }

    /** The predictor's estimate; a slow or failed predictor means no prediction, never a failed request. */
    private Uni<Integer> predict() {
        long t0 = System.nanoTime();
        return Uni.createFrom().completionStage(() -> bus.<Messages.Prediction>request(Addresses.PREDICTOR_PREDICT,
                        new Messages.Predict(request.prompt(), request.promptTokens()),
                        Addresses.local(predictorTimeoutMs)).toCompletionStage())
                .map(m -> m.body().outputTokens())
                .invoke(n -> metrics.predictorLatency(System.nanoTime() - t0, n >= 0 ? "ok" : "none"))
                // The send timeout bounds the wait; no Mutiny timer (its default pool's threads are not daemons).
                .onFailure().invoke(err -> metrics.predictorLatency(System.nanoTime() - t0, "timeout"))
                .onFailure().recoverWithItem(-1);
    }

    private void onSubmitted(Messages.SubmitReply reply) {
        if (reply instanceof Messages.Refused refused) {
            RejectReason reason = refused.reason();
            if (end(RequestOutcome.REJECTED, reason.errorType())) {
                sink.rejected(statusOf(reason.errorType()), reason.errorType(), paramOf(reason.errorType()), refused.message());
            }
            return;
        }
        submitted = true;
        if (ended) {
            abortAtGuard(); // the client left while we were submitting
            return;
        }
        int placement = attempt;
        stream.multi().subscribe().withSubscriber(new Flow.Subscriber<JsonObject>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(JsonObject event) {
                if (placement == attempt) { // a stream of an earlier placement says nothing any more
                    onEvent(event);
                }
            }

            @Override
            public void onError(Throwable t) {
                if (placement == attempt && end(RequestOutcome.FAILED, "stream_error")) {
                    abortAtGuard();
                    sink.failed(500, "token stream failed: " + t.getMessage());
                }
            }

            @Override
            public void onComplete() {
            }
        });
    }

    private void onEvent(JsonObject event) {
        if (ended) {
            return;
        }
        String type = event.getString("type");
        switch (type) {
            case StreamEvents.TOKEN -> {
                tokens++;
                if (tokens == 1) {
                    firstTokenMs = clock.nowMs();
                }
                sink.token(event.getInteger("index"), event.getString("text"), event.getString("finish_reason"))
                        .onComplete(ready -> {
                            if (subscription != null && !ended) {
                                subscription.request(1);
                            }
                        });
                return;
            }
            case StreamEvents.DONE -> {
                double now = clock.nowMs();
                int completion = event.getInteger("completion_tokens");
                double ttft = firstTokenMs - arrivalMs;
                double tpot = completion > 1 ? (now - firstTokenMs) / (completion - 1) : 0;
                boolean compliant = ttft <= request.slo().ttftMs() && tpot <= request.slo().tpotMs();
                if (end(RequestOutcome.COMPLETED, "none")) {
                    metrics.completed(ttft, tpot, compliant);
                    if (compliant) {
                        metrics.sloClasses().met(request.slo());
                    }
                    sink.done(event.getString("finish_reason"), event.getInteger("prompt_tokens"), completion);
                }
            }
            case StreamEvents.REJECTED -> {
                if (router.migration() && !migrated && !event.getBoolean(StreamEvents.MIGRATED, false) && tokens == 0
                        && RejectReason.TTFT_UNATTAINABLE.errorType().equals(event.getString("reason"))) {
                    // Migration: its node cannot meet its TTFT any more; another node may. Tried once.
                    migrated = true;
                    excluded.add(servingNode);
                    placeAgain(event);
                    return;
                }
                rejected(event);
            }
            case StreamEvents.ERROR -> {
                if (end(RequestOutcome.FAILED, "worker_error")) {
                    sink.failed(502, event.getString("message"));
                }
            }
            default -> {
                if (end(RequestOutcome.FAILED, "protocol_error")) {
                    abortAtGuard();
                    sink.failed(500, "unexpected stream event " + type);
                }
            }
        }
        if (subscription != null && !ended) {
            subscription.request(1);
        }
    }

    private void rejected(JsonObject event) {
        String reason = event.getString("reason");
        if (end(RequestOutcome.REJECTED, reason)) {
            sink.rejected(statusOf(reason), reason, paramOf(reason), event.getString("message"));
        }
    }

    /** The client went away (connection closed, WebSocket closed, or it sent an abort). */
    void clientGone() {
        if (end(RequestOutcome.ABORTED, "client_disconnected") && submitted) {
            abortAtGuard();
        }
    }

    private void failBeforeSubmit(Throwable err) {
        // The submit may have reached the guard even though its answer did not reach us: abort it there too.
        abortAtGuard();
        if (end(RequestOutcome.FAILED, "internal_error")) {
            sink.failed(500, "the request could not be scheduled: " + err.getMessage());
        }
    }

    private void abortAtGuard() {
        router.abort(servingNode, submissionId());
    }

    private void closeStream() {
        if (subscription != null) {
            subscription.cancel();
            subscription = null;
        }
        if (stream != null) {
            stream.close();
        }
    }

    /** Records the outcome once and closes the stream; false when the request had already ended. */
    private boolean end(RequestOutcome outcome, String reason) {
        if (ended) {
            return false;
        }
        ended = true;
        live.remove(id);
        metrics.outcome(outcome, reason);
        metrics.sloClasses().ended(request.slo(), outcome);
        closeStream();
        return true;
    }

    /** SLO rejections are 503 (the service cannot meet it now); requests no schedule could run are 400. */
    static int statusOf(String rejectType) {
        return rejectType.startsWith("slo_unattainable") ? 503 : 400;
    }

    static String paramOf(String rejectType) {
        if (rejectType.equals(RejectReason.TTFT_UNATTAINABLE.errorType())) {
            return "slo.ttft_ms";
        }
        if (rejectType.equals(RejectReason.TPOT_UNATTAINABLE.errorType())) {
            return "slo.tpot_ms";
        }
        if (rejectType.equals(RejectReason.PROMPT_TOO_LONG.errorType())) {
            return "prompt";
        }
        return "max_tokens";
    }
}
