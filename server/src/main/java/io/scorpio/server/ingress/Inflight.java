package io.scorpio.server.ingress;

import io.scorpio.model.RejectReason;
import io.scorpio.model.RequestOutcome;
import io.scorpio.server.NodeClock;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.bus.StreamEvent;
import io.scorpio.server.cluster.ClusterRouter;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayList;
import java.util.List;

/**
 * One request at the ingress, from validated input to its single outcome: completed, rejected, aborted or
 * failed, recorded exactly once. It opens its stream in {@link Streams} before submitting (so no event can be
 * missed), asks the predictor, submits to the guard, then hands each event the guard sends to its {@link Sink}. If
 * the client goes away first, the guard is told to abort, which frees its KV blocks and its admitted-set entry.
 *
 * <p>In a cluster the {@link ClusterRouter} picks the node that serves it. If that node leaves the cluster
 * before the first token, the request is placed again elsewhere under a new submission id (so nothing the
 * old node still sends can reach this client: a request is never served twice); after the first token it
 * ends with an error. A node that shuts down gracefully hands back the requests still waiting there (rejected with
 * {@code node_draining}), and they are placed again the same way; so are those waiting on a node that stopped
 * answering (silent: see {@link ClusterRouter}), long before the cluster would notice that it is gone.
 *
 * <p>Lives on the ingress's event loop: every method runs there.
 */
final class Inflight {

    private final EventBus bus;
    private final NodeClock clock;
    private final ServerMetrics metrics;
    private final ClusterRouter router;
    private final Streams streams;
    private final long predictorTimeoutMs;
    private final String id;
    private final CompletionRequest request;
    private final double arrivalMs;
    private final Sink sink;
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
    /** Run once when the request ends (or is discarded unstarted): gives back its key's slot. */
    private Runnable onEnd = () -> { };

    /**
     * @param streams this ingress's open streams: the request opens its own on start and closes it when it ends (or
     *                moves under a new submission id), so that its events reach it and a node that leaves can be
     *                told to the requests it served
     */
    Inflight(EventBus bus, NodeClock clock, ServerMetrics metrics, ClusterRouter router, Streams streams,
             long predictorTimeoutMs, String id, CompletionRequest request, double arrivalMs, Sink sink) {
        this.bus = bus;
        this.clock = clock;
        this.metrics = metrics;
        this.router = router;
        this.streams = streams;
        this.predictorTimeoutMs = predictorTimeoutMs;
        this.id = id;
        this.request = request;
        this.arrivalMs = arrivalMs;
        this.sink = sink;
    }

    String id() {
        return id;
    }

    Inflight onEnd(Runnable onEnd) {
        this.onEnd = onEnd;
        return this;
    }

    /** A request admitted but never started (its socket closed, or it was aborted, while it was admitted). */
    void discard() {
        onEnd.run();
    }

    /** The id the serving guard knows this placement by. */
    private String submissionId() {
        return attempt == 0 ? id : id + "-r" + attempt;
    }

    void start() {
        streams.open(submissionId(), this);
        predict().onComplete(n -> {
            predicted = n.result();
            place(null);
        });
    }

    /**
     * Submits the current placement. {@code rejection} is set for a migration: the TTFT rejection that started it,
     * reported after all if no other node has room for the request.
     */
    private Future<?> place(StreamEvent.Rejected rejection) {
        if (ended) {
            return Future.succeededFuture(); // the client left while we were predicting: nothing was submitted
        }
        String sid = submissionId();
        int placement = attempt;
        return router.submit(new Messages.Submit(sid, arrivalMs, request.promptTokens(), request.maxTokens(), request.slo(),
                        predicted, request.workerInput()), excluded, rejection != null)
                .onSuccess(p -> {
                    if (placement != attempt) {
                        return;
                    }
                    servingNode = p.node();
                    if (excluded.contains(p.node()) && p.reply() instanceof Messages.Accepted && !ended) {
                        // The node left the cluster while its answer was on its way (a node frozen just after it
                        // answered delivers the answer only when it runs again): the departure passed this request
                        // over as not yet placed, and that node drops it as its own view of the cluster catches up.
                        // Nothing can reach the client from there, so it is placed again now.
                        router.abort(p.node(), sid);
                        metrics.replaced("node_left");
                        placeAgain(null);
                        return;
                    }
                    if (rejection != null) {
                        metrics.migrated("node");
                    }
                    onSubmitted(p.reply());
                })
                .onFailure(err -> {
                    if (placement != attempt) {
                        return;
                    }
                    servingNode = err instanceof ClusterRouter.PlacementFailed f ? f.node() : null;
                    if (err instanceof ClusterRouter.NoAnswer && !ended) {
                        // Its node may yet take this submission when it runs again: aborted there, placed elsewhere.
                        replaceFromSilent(rejection);
                        return;
                    }
                    if (rejection != null && err instanceof ClusterRouter.NoRoom) {
                        rejected(rejection);
                    } else {
                        failBeforeSubmit(err);
                    }
                });
    }

    /**
     * Ends the current placement's stream and places the request again under a new submission id, so that nothing
     * the old placement still sends can reach this client.
     */
    private Future<?> placeAgain(StreamEvent.Rejected rejection) {
        streams.close(submissionId());
        submitted = false;
        servingNode = null;
        attempt++;
        streams.open(submissionId(), this);
        return place(rejection);
    }

    /**
     * A node left the cluster. If it was serving this request and no token has reached the client yet, the
     * request is placed again on the nodes that remain; after a token, it ends with an error (a stream cannot be
     * resumed elsewhere without sending some tokens twice or skipping some). Returns the new placement's answer, or
     * null when the request was not placed again.
     */
    Future<?> nodeLeft(String node) {
        excluded.add(node);
        if (ended || !submitted || !node.equals(servingNode)) {
            return null;
        }
        if (tokens > 0) {
            if (end(RequestOutcome.FAILED, "node_left")) {
                sink.failed(502, "the node serving this request (" + node + ") left the cluster after " + tokens + " tokens");
            }
            return null;
        }
        metrics.replaced("node_left");
        return placeAgain(null);
    }

    /**
     * A node stopped answering in time (see {@link ClusterRouter}). If it holds this request and no token has reached
     * the client, the request is aborted there (delivered if it runs again) and placed again on the other nodes; with
     * tokens sent, it waits: the node may yet go on, and if it leaves, {@link #nodeLeft} ends the request. Returns the
     * new placement's answer, or null when the request was not placed again.
     */
    Future<?> nodeSilent(String node) {
        if (ended || !submitted || !node.equals(servingNode) || tokens > 0) {
            return null;
        }
        return replaceFromSilent(null);
    }

    private Future<?> replaceFromSilent(StreamEvent.Rejected rejection) {
        router.abort(servingNode, submissionId());
        excluded.add(servingNode);
        metrics.replaced("node_silent");
        return placeAgain(rejection);
    }

    /** The predictor's estimate; a slow or failed predictor means no prediction (-1), never a failed request. */
    private Future<Integer> predict() {
        long t0 = System.nanoTime();
        return bus.<Integer>request(Addresses.PREDICTOR_PREDICT,
                        new Messages.Predict(request.prompt(), request.promptTokens()), Addresses.local(predictorTimeoutMs))
                .map(m -> m.body())
                .onSuccess(n -> metrics.predictorLatency(System.nanoTime() - t0, n >= 0 ? "ok" : "none"))
                .recover(err -> {
                    metrics.predictorLatency(System.nanoTime() - t0, "timeout");
                    return Future.succeededFuture(-1);
                });
    }

    private void onSubmitted(Messages.SubmitReply reply) {
        if (reply instanceof Messages.Declined declined) {
            // Every node left to try declined it (all draining): the cluster is going away under it.
            if (end(RequestOutcome.REJECTED, declined.reason())) {
                sink.rejected(503, declined.reason(), null, declined.message() + "; retry later");
            }
            return;
        }
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
        }
    }

    /** An event of the current placement, from {@link Streams}; the sink writes it on {@link #flush}. */
    void onEvent(StreamEvent event) {
        if (ended) {
            return;
        }
        if (event instanceof StreamEvent.Token t) {
            tokens++;
            if (tokens == 1) {
                firstTokenMs = clock.nowMs();
            }
            sink.token(t.index(), t.text(), t.finishReason(), t.relayed());
        } else if (event instanceof StreamEvent.Done d) {
            double now = clock.nowMs();
            int completion = d.completionTokens();
            double ttft = firstTokenMs - arrivalMs;
            double tpot = completion > 1 ? (now - firstTokenMs) / (completion - 1) : 0;
            boolean compliant = ttft <= request.slo().ttftMs() && tpot <= request.slo().tpotMs();
            if (end(RequestOutcome.COMPLETED, "none")) {
                metrics.completed(ttft, tpot, compliant);
                if (compliant) {
                    metrics.sloClasses().met(request.slo());
                }
                sink.done(d.finishReason(), d.promptTokens(), completion);
            }
        } else if (event instanceof StreamEvent.Rejected r) {
            if ((Messages.Declined.NODE_DRAINING.equals(r.reason())
                    || Messages.Declined.WORKER_OUT_OF_SERVICE.equals(r.reason())) && tokens == 0) {
                // Its node is shutting down, or has no worker in service, and handed it back before its first token:
                // place it elsewhere.
                excluded.add(servingNode);
                metrics.replaced(r.reason());
                placeAgain(null);
                return;
            }
            if (router.migration() && !migrated && !r.migrated() && tokens == 0
                    && RejectReason.TTFT_UNATTAINABLE.errorType().equals(r.reason())) {
                // Migration: its node cannot meet its TTFT any more; another node may. Tried once.
                migrated = true;
                excluded.add(servingNode);
                placeAgain(r);
                return;
            }
            rejected(r);
        } else if (event instanceof StreamEvent.Failed f) {
            if (f.invalidRequest() && tokens == 0) {
                // The worker's server refused it as invalid: its 400, as the client would get it from vLLM directly.
                if (end(RequestOutcome.FAILED, "invalid_request")) {
                    sink.failed(400, "invalid_request", f.message());
                }
            } else if (end(RequestOutcome.FAILED, "worker_error")) {
                sink.failed(502, f.message());
            }
        }
    }

    /** Writes what the events of one batch gave the sink: one write per client connection per batch. */
    void flush() {
        sink.flush();
    }

    private void rejected(StreamEvent.Rejected event) {
        String reason = event.reason();
        if (end(RequestOutcome.REJECTED, reason)) {
            sink.rejected(statusOf(reason), reason, paramOf(reason), event.message());
        }
    }

    /**
     * The node is shutting down and this request did not finish within the grace period: it ends with an error that
     * names the shutdown (an error frame mid-stream, then [DONE]), never a bare cut, and the guard stops its work.
     */
    void shutdown(String message) {
        if (end(RequestOutcome.FAILED, "server_shutdown")) {
            if (submitted) {
                abortAtGuard();
            }
            sink.failed(503, "server_shutdown", message);
            sink.flush();
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

    /** Records the outcome once and closes the stream; false when the request had already ended. */
    private boolean end(RequestOutcome outcome, String reason) {
        if (ended) {
            return false;
        }
        ended = true;
        onEnd.run();
        streams.close(submissionId());
        metrics.outcome(outcome, reason);
        metrics.sloClasses().ended(request.slo(), outcome);
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
