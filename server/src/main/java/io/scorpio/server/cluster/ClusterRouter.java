package io.scorpio.server.cluster;

import io.scorpio.core.cluster.EngineSnapshot;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.server.NodeClock;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.config.ClusterSettings;
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
 * In a cluster it computes what every node offers the request (the most headroom it would have on one of that
 * node's engines: {@code Placement.headroom}, the same SLO-aware measure as within a node) from the engines' snapshots
 * this node holds in memory ({@link EngineSnapshots}; with {@code cluster.placement=quotes}, by asking every node's
 * guard and waiting up to {@code cluster.placement-timeout-ms}), then submits to the node with the most. If the chosen
 * node fails to take the submission, or declines it (its snapshot was stale, or it is draining), the next is tried.
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
    private final EngineSnapshots snapshots;
    private final ClusterSettings settings;
    private final DeliveryOptions localOptions;
    private final DeliveryOptions remoteOptions;
    private final DeliveryOptions quoteOptions;
    private final DeliveryOptions pingOptions;
    /** Submissions to this node's own guard not answered yet (the router lives on the ingress's event loop). */
    private int localInFlight;
    private final Random random = new Random();
    private final boolean migration;

    /** Headrooms closer than this (a fraction of the request's own SLOs) count as equal. */
    static final double TIE = 0.005;

    public ClusterRouter(Vertx vertx, ClusterView cluster, NodeClock clock, ServerMetrics metrics, long busTimeoutMs,
                         ClusterSettings settings, EngineSnapshots snapshots, boolean migration) {
        this.migration = migration;
        this.bus = vertx.eventBus();
        this.cluster = cluster;
        this.clock = clock;
        this.metrics = metrics;
        this.snapshots = snapshots;
        this.settings = settings;
        this.localOptions = Addresses.local(busTimeoutMs);
        this.remoteOptions = new DeliveryOptions().setSendTimeout(busTimeoutMs);
        this.quoteOptions = new DeliveryOptions().setSendTimeout(settings.quoteTimeoutMs());
        this.pingOptions = new DeliveryOptions().setSendTimeout(1_000);
    }

    /** Places the submission; it fails with {@link PlacementFailed} when no guard took it. */
    public Future<Placed> submit(Messages.Submit s, List<String> excluded) {
        return submit(s, excluded, false);
    }

    /**
     * Places the submission. With {@code needTtftRoom} (a migration), only nodes that leave the request room to meet
     * its TTFT are candidates, and the submission fails with {@link NoRoom} when there is none. A draining node is
     * never a candidate. If every node declines, the reply is the last one's {@link Messages.Declined}.
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
        boolean fromSnapshots = settings.placement() == ClusterSettings.Placement.SNAPSHOTS;
        Future<List<NodeQuote>> quotes = fromSnapshots ? fromSnapshots(s, nodes) : ask(s, nodes);
        return quotes.compose(all -> {
            List<NodeQuote> candidates = new ArrayList<>();
            for (NodeQuote q : all) {
                if (!q.draining() && (!needTtftRoom || q.ttftRoomMs() >= 0)) {
                    candidates.add(q);
                }
            }
            // The entry node wins a tie only while no submission to it is on its way: until its guard has taken it
            // (and published right after answering), the local snapshot cannot show it, and a burst would all stay.
            List<NodeQuote> order = order(candidates, random,
                    settings.preferEntryNode() && localInFlight == 0 ? cluster.self() : null);
            if (order.isEmpty() && needTtftRoom) {
                return Future.failedFuture(new NoRoom());
            }
            if (order.isEmpty()) {
                // nobody answered in time: serve it here rather than fail it (a draining guard declines it)
                order.add(new NodeQuote(cluster.self(), Double.NaN, Double.NaN, false));
            }
            return tryInOrder(s, order, 0, null, fromSnapshots);
        }).onSuccess(p -> metrics.placement(System.nanoTime() - t0, "cluster",
                p.node().equals(cluster.self()) ? "local" : "remote"));
    }

    /**
     * What each node offers the request, from the engines' snapshots in this node's memory: no message leaves the
     * node. A node whose snapshots have not arrived yet (it has just joined) is asked for a quote instead.
     */
    private Future<List<NodeQuote>> fromSnapshots(Messages.Submit s, List<String> nodes) {
        double now = clock.nowMs();
        RequestSpec spec = s.spec(s.arrivalMs());
        List<NodeQuote> known = new ArrayList<>(nodes.size());
        List<String> unknown = new ArrayList<>();
        for (String node : nodes) {
            List<EngineSnapshot> engines = snapshots.of(node);
            if (engines.isEmpty()) {
                unknown.add(node);
                metrics.snapshotMissing(node);
            } else {
                known.add(NodeQuote.of(node, spec, engines, now));
            }
        }
        if (unknown.isEmpty()) {
            return Future.succeededFuture(known);
        }
        return ask(s, unknown).map(asked -> {
            known.addAll(asked);
            return known;
        });
    }

    /** Asks every node's guard for a quote and waits for all, up to {@code cluster.placement-timeout-ms}. */
    private Future<List<NodeQuote>> ask(Messages.Submit s, List<String> nodes) {
        JsonObject quoteRequest = WireFormat.submit(s, clock.nowMs(), cluster.self(), false);
        List<Future<JsonObject>> quotes = new ArrayList<>(nodes.size());
        for (String node : nodes) {
            quotes.add(bus.<JsonObject>request(Addresses.nodeQuote(node), quoteRequest, quoteOptions).map(m -> m.body()));
        }
        return Future.join(quotes).transform(ignored -> {
            List<NodeQuote> answered = new ArrayList<>();
            for (int i = 0; i < quotes.size(); i++) {
                Future<JsonObject> q = quotes.get(i);
                if (q.failed()) {
                    metrics.quoteFailed(nodes.get(i));
                } else {
                    answered.add(WireFormat.quote(q.result()));
                }
            }
            return Future.succeededFuture(answered);
        });
    }

    /**
     * The nodes to try, most headroom first. Nodes within {@link #TIE} of the best are shuffled: requests that
     * arrive together see the same quotes, and a fixed tie-break would send the whole burst to one node. Among them,
     * {@code preferred} (the entry node, or null) goes first: a request served where it entered saves a hop each way.
     */
    static List<NodeQuote> order(List<NodeQuote> quotes, Random random, String preferred) {
        List<NodeQuote> sorted = new ArrayList<>(quotes);
        sorted.sort(Comparator.comparingDouble((NodeQuote q) -> -q.headroom()));
        int tied = 0;
        while (tied < sorted.size() && sorted.get(tied).headroom() >= sorted.get(0).headroom() - TIE) {
            tied++;
        }
        List<NodeQuote> band = sorted.subList(0, tied);
        Collections.shuffle(band, random);
        for (int i = 1; i < band.size(); i++) {
            if (band.get(i).node().equals(preferred)) {
                band.add(0, band.remove(i));
                break;
            }
        }
        return sorted;
    }

    /**
     * Submits to the nodes in order until one takes it. A node that fails to answer, or declines (stale snapshot,
     * draining), passes the request to the next; a submission placed from a snapshot carries the headroom the
     * snapshot promised, and may be declined unless it goes to the last node left to try.
     */
    private Future<Placed> tryInOrder(Messages.Submit s, List<NodeQuote> order, int i, Throwable last,
                                      boolean fromSnapshots) {
        if (i >= order.size()) {
            return Future.failedFuture(new PlacementFailed(order.get(order.size() - 1).node(), last));
        }
        NodeQuote q = order.get(i);
        boolean more = i + 1 < order.size();
        Messages.Submit submission = fromSnapshots && !Double.isNaN(q.headroom()) ? s.placed(q.headroom(), more) : s;
        return submitTo(q.node(), submission).compose(p -> {
            if (p.reply() instanceof Messages.Declined d) {
                metrics.declined(q.node(), d.reason());
                if (more) {
                    return tryInOrder(s, order, i + 1, null, fromSnapshots);
                }
            }
            return Future.succeededFuture(p);
        }, err -> tryInOrder(s, order, i + 1, err, fromSnapshots));
    }

    private Future<Placed> submitTo(String node, Messages.Submit s) {
        if (node.equals(cluster.self())) {
            localInFlight++;
            return bus.<Messages.SubmitReply>request(Addresses.GUARD_SUBMIT, s, localOptions)
                    .onComplete(done -> localInFlight--)
                    .map(m -> new Placed(node, m.body()));
        }
        return bus.<JsonObject>request(Addresses.nodeSubmit(node), WireFormat.submit(s, clock.nowMs(), cluster.self(), true),
                remoteOptions).map(m -> new Placed(node, WireFormat.reply(m.body())));
    }

    /**
     * Times a round trip to every other node's guard ({@code scorpio_cluster_round_trip_seconds{peer}}): what a
     * placement that moves a request there pays at least. One that fails or takes over a second is not recorded.
     */
    public void probeRoundTrips() {
        for (String node : cluster.nodes()) {
            if (!node.equals(cluster.self())) {
                long t0 = System.nanoTime();
                bus.request(Addresses.nodePing(node), null, pingOptions)
                        .onSuccess(m -> metrics.roundTrip(node, System.nanoTime() - t0));
            }
        }
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
