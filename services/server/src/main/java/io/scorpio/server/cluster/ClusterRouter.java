package io.scorpio.server.cluster;

import io.scorpio.server.NodeClock;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Where a request that entered this node is served. Alone, a node submits to its own guard and asks nobody.
 * In a cluster it asks every node's guard for a quote (the most headroom the request would have on one of that
 * node's engines: {@code Placement.headroom}, the same SLO-aware measure as within a node), then submits to the
 * node with the most; a node that does not answer within {@code cluster.placement-timeout-ms} is passed over, and
 * if the chosen node fails to take the submission the next is tried.
 *
 * <p>Placement only chooses; each guard still decides. Admission, LDF order and rejection are made by the one
 * guard that owns the engine, on its exact state, so they stay correct however stale a quote was.
 */
public final class ClusterRouter {

    /** Where a submission went and what its guard answered. */
    public record Placed(String node, Messages.SubmitReply reply) {
    }

    /** The submission failed; {@code node} is the last node it was sent to (it may hold the request). */
    public static final class PlacementFailed extends RuntimeException {
        private final String node;

        PlacementFailed(String node, Throwable cause) {
            super(cause.getMessage(), cause);
            this.node = node;
        }

        public String node() {
            return node;
        }
    }

    /** A migration found no node where the request could still meet its TTFT. */
    public static final class NoRoom extends RuntimeException {
        NoRoom() {
            super("no node can meet the request's TTFT", null, false, false);
        }
    }

    private final EventBus bus;
    private final ClusterView cluster;
    private final NodeClock clock;
    private final ServerMetrics metrics;
    private final DeliveryOptions localOptions;
    private final DeliveryOptions remoteOptions;
    private final DeliveryOptions quoteOptions;
    private final Random random = new Random();
    private final boolean migration;

    /** Headrooms closer than this (a fraction of the request's own SLOs) count as equal. */
    static final double TIE = 0.005;

    public ClusterRouter(Vertx vertx, ClusterView cluster, NodeClock clock, ServerMetrics metrics, long busTimeoutMs,
                         long quoteTimeoutMs, boolean migration) {
        this.migration = migration;
        this.bus = vertx.eventBus();
        this.cluster = cluster;
        this.clock = clock;
        this.metrics = metrics;
        this.localOptions = Addresses.local(busTimeoutMs);
        this.remoteOptions = new DeliveryOptions().setSendTimeout(busTimeoutMs);
        this.quoteOptions = new DeliveryOptions().setSendTimeout(quoteTimeoutMs);
    }

    /** Places the submission; it fails with {@link PlacementFailed} when no guard took it. */
    public Future<Placed> submit(Messages.Submit s, List<String> excluded) {
        return submit(s, excluded, false);
    }

    /**
     * Places the submission. With {@code needTtftRoom} (a migration), only nodes whose quote leaves the request
     * room to meet its TTFT are candidates, and the submission fails with {@link NoRoom} when there is none.
     */
    public Future<Placed> submit(Messages.Submit s, List<String> excluded, boolean needTtftRoom) {
        long t0 = System.nanoTime();
        List<String> nodes = new ArrayList<>(cluster.nodes());
        nodes.removeAll(excluded);
        if (nodes.isEmpty()) {
            return Future.failedFuture(needTtftRoom ? new NoRoom()
                    : new PlacementFailed(cluster.self(), new IllegalStateException("no node left to serve it")));
        }
        if (!needTtftRoom && nodes.size() == 1 && nodes.get(0).equals(cluster.self())) {
            return submitTo(cluster.self(), s).onSuccess(p -> metrics.placement(System.nanoTime() - t0, "local", "local"));
        }
        JsonObject quoteRequest = WireFormat.submit(s, clock.nowMs(), cluster.self(), false);
        List<Future<JsonObject>> quotes = new ArrayList<>(nodes.size());
        for (String node : nodes) {
            quotes.add(bus.<JsonObject>request(Addresses.nodeQuote(node), quoteRequest, quoteOptions).map(m -> m.body()));
        }
        return Future.join(quotes).transform(ignored -> {
            List<JsonObject> answered = new ArrayList<>();
            for (int i = 0; i < quotes.size(); i++) {
                Future<JsonObject> q = quotes.get(i);
                if (q.failed()) {
                    metrics.quoteFailed(nodes.get(i));
                } else if (!needTtftRoom || q.result().getDouble("ttft_room_ms") >= 0) {
                    answered.add(q.result());
                }
            }
            List<String> order = order(answered, random);
            if (order.isEmpty() && needTtftRoom) {
                return Future.failedFuture(new NoRoom());
            }
            if (order.isEmpty()) {
                order.add(cluster.self()); // nobody answered in time: serve it here rather than fail it
            }
            return tryInOrder(s, order, 0, null);
        }).onSuccess(p -> metrics.placement(System.nanoTime() - t0, "cluster",
                p.node().equals(cluster.self()) ? "local" : "remote"));
    }

    /**
     * The nodes to try, most headroom first. Nodes within {@link #TIE} of the best are shuffled: requests that
     * arrive together see the same quotes, and a fixed tie-break would send the whole burst to one node.
     */
    static List<String> order(List<JsonObject> quotes, Random random) {
        List<JsonObject> sorted = new ArrayList<>(quotes);
        sorted.sort(Comparator.comparingDouble((JsonObject q) -> -q.getDouble("headroom")));
        int tied = 0;
        while (tied < sorted.size() && sorted.get(tied).getDouble("headroom") >= sorted.get(0).getDouble("headroom") - TIE) {
            tied++;
        }
        Collections.shuffle(sorted.subList(0, tied), random);
        List<String> order = new ArrayList<>();
        sorted.forEach(q -> order.add(q.getString("node")));
        return order;
    }

    private Future<Placed> tryInOrder(Messages.Submit s, List<String> order, int i, Throwable last) {
        if (i >= order.size()) {
            return Future.failedFuture(new PlacementFailed(order.get(order.size() - 1), last));
        }
        String node = order.get(i);
        return submitTo(node, s).recover(err -> tryInOrder(s, order, i + 1, err));
    }

    private Future<Placed> submitTo(String node, Messages.Submit s) {
        if (node.equals(cluster.self())) {
            return bus.<Messages.SubmitReply>request(Addresses.GUARD_SUBMIT, s, localOptions)
                    .map(m -> new Placed(node, m.body()));
        }
        return bus.<JsonObject>request(Addresses.nodeSubmit(node), WireFormat.submit(s, clock.nowMs(), cluster.self(), true),
                remoteOptions).map(m -> new Placed(node, WireFormat.reply(m.body())));
    }

    /** Tells the guard serving the request that its client went away. */
    public void abort(String node, String submissionId) {
        if (node == null || node.equals(cluster.self())) {
            bus.request(Addresses.GUARD_ABORT, new Messages.Abort(submissionId), localOptions);
        } else {
            bus.request(Addresses.nodeAbort(node), WireFormat.abort(submissionId), remoteOptions);
        }
    }

    /** Whether a TTFT rejection should be tried on another node first ({@code guard.migration}). */
    public boolean migration() {
        return migration;
    }
}
