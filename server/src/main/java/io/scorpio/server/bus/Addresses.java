package io.scorpio.server.bus;

import io.vertx.core.eventbus.DeliveryOptions;
import java.util.List;

/**
 * Event-bus addresses of the verticles. One place, so that no address is ever spelled twice.
 *
 * <p>Two kinds. Node-local addresses (guard, engines, predictor, the ingress's stream events) have a consumer on
 * every node, registered with {@code localConsumer} and reached with {@link #LOCAL} delivery, so that on a
 * clustered event bus node A's engine 0 never talks to node B's guard. They carry typed records
 * ({@link LocalMessage}), passed by reference. Node addresses ({@code scorpio.node.<id>.*}) are registered once per
 * node on the clustered bus and carry JSON only ({@code WireFormat}): they are how a request that entered one node
 * is served by another. No address is registered per request.
 */
public final class Addresses {

    private Addresses() {
    }

    /** Delivery to this node's consumers only, never across the cluster. */
    public static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

    /** {@link #LOCAL} delivery with a reply timeout. */
    public static DeliveryOptions local(long timeoutMs) {
        return new DeliveryOptions().setLocalOnly(true).setSendTimeout(timeoutMs);
    }

    /** Published on this node (one-way) when a cluster member leaves: the body is the node id that left. */
    public static final String NODE_LEFT = "scorpio.cluster.node-left";

    /** Published on this node (one-way) when its Hazelcast member merged back into the cluster after a split. */
    public static final String CLUSTER_MERGED = "scorpio.cluster.merged";

    private static final String NODE_PREFIX = "scorpio.node.";

    /** Node {@code n}'s guard: how much headroom would a request get there (JSON request-reply). */
    public static String nodeQuote(String node) {
        return NODE_PREFIX + node + ".quote";
    }

    /** Node {@code n}'s guard: take a request that entered another node (JSON request-reply). */
    public static String nodeSubmit(String node) {
        return NODE_PREFIX + node + ".submit";
    }

    /**
     * Node {@code n}'s guard: answers at once, with nothing: the round trip another node times
     * ({@code scorpio_cluster_round_trip_seconds}), the floor of a placement that moves a request there.
     */
    public static String nodePing(String node) {
        return NODE_PREFIX + node + ".ping";
    }

    /** Node {@code n}'s guard: the client of a request it serves went away (JSON request-reply). */
    public static String nodeAbort(String node) {
        return NODE_PREFIX + node + ".abort";
    }

    /** Node {@code n}'s ingress: stream events of requests that entered it, served elsewhere (JSON, one-way). */
    public static String nodeStreams(String node) {
        return NODE_PREFIX + node + ".streams";
    }

    /** Every address other nodes send to on node {@code n}: what {@code ClusterRouter#warmPeers} keeps looked up. */
    public static List<String> nodeAddresses(String node) {
        return List.of(nodeQuote(node), nodeSubmit(node), nodePing(node), nodeAbort(node), nodeStreams(node));
    }

    /** Ingress: the stream events of requests that entered this node and are served here (a Batch, one-way). */
    public static final String INGRESS_STREAMS = "scorpio.ingress.streams";

    /** Guard: a new request (request-reply). */
    public static final String GUARD_SUBMIT = "scorpio.guard.submit";
    /** Guard: the client went away (request-reply, answers whether the request was still live). */
    public static final String GUARD_ABORT = "scorpio.guard.abort";
    /**
     * Guard: graceful stop (request-reply; the body is the grace period in ms): take nothing new, hand waiting requests
     * back to their entry nodes, answer with how many requests are still here once they ended or the grace passed.
     */
    public static final String GUARD_DRAIN = "scorpio.guard.drain";
    /** Guard: its state as JSON (request-reply). */
    public static final String GUARD_STATE = "scorpio.guard.state";
    /** Predictor: an output-length prediction for a prompt (request-reply). */
    public static final String PREDICTOR_PREDICT = "scorpio.predictor.predict";
    /** Predictor: the fitted step-time and prefill-time models (request-reply). */
    public static final String PREDICTOR_MODELS = "scorpio.predictor.models";

    /** Guard: engine {@code e} refitted its step-time model (one-way). */
    public static String guardModels(int engine) {
        return "scorpio.guard." + engine + ".models";
    }

    /**
     * Guard: engine {@code e}'s worker went out of service or came back (one-way, a Boolean: true = healthy), so
     * that placement avoids it while it is down.
     */
    public static String guardHealth(int engine) {
        return "scorpio.guard." + engine + ".health";
    }

    /** Engine: run one step (request-reply: a RunStep, answered with the step's outcome). */
    public static String engineStep(int engine) {
        return "scorpio.engine." + engine + ".step";
    }

    /** Engine: stop generating for a request (one-way). */
    public static String engineAbort(int engine) {
        return "scorpio.engine." + engine + ".abort";
    }

    /** Engine: is the worker healthy (request-reply, a Boolean; false at once while it is out of service). */
    public static String engineHealth(int engine) {
        return "scorpio.engine." + engine + ".health";
    }
}
