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
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where a request that entered this node is served. Alone, a node submits to its own guard and asks nobody.
 * In a cluster it computes what every node offers the request (the most headroom it would have on one of that
 * node's engines: {@code Placement.headroom}, the same SLO-aware measure as within a node) from the engines' snapshots
 * this node holds in memory ({@link EngineSnapshots}; with {@code cluster.placement=quotes}, by asking every node's
 * guard and waiting up to {@code cluster.placement-timeout-ms}), then submits to the node with the most. If the chosen
 * node fails to take the submission, or declines it (its snapshot was stale, or it is draining), the next is tried.
 *
 * <p>A node that leaves a submission or a round-trip probe unanswered past {@code cluster.submit-timeout-ms} is
 * <em>silent</em> (frozen, paused, cut off: Hazelcast notices only after its heartbeat timeout): it is passed over
 * while any other node can take a request, the entry node is told (it places again the requests waiting there), and
 * it is pinged until it answers again.
 *
 * <p>Placement only chooses; each guard still decides. Admission, LDF order and rejection are made by the one
 * guard that owns the engine, on its exact state, so they stay correct however stale a quote was.
 */
public final class ClusterRouter {

    /** Where a submission went and what its guard answered. */
    public record Placed(String node, Messages.SubmitReply reply) {
    }

    /** The submission failed; {@code node} is the last node it was sent to (it may hold the request). */
    public static class PlacementFailed extends RuntimeException {
        private final String node;

        PlacementFailed(String node, Throwable cause) {
            super(cause.getMessage(), cause);
            this.node = node;
        }

        public String node() {
            return node;
        }
    }

    /**
     * The chosen node did not answer the submission within {@code cluster.submit-timeout-ms}. It may still take it
     * when it runs again, so the request must be placed again under a new submission id, and aborted there.
     */
    public static final class NoAnswer extends PlacementFailed {
        NoAnswer(String node, Throwable cause) {
            super(node, cause);
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
    private final DeliveryOptions submitOptions;
    private final DeliveryOptions quoteOptions;
    private final DeliveryOptions pingOptions;
    /** Silent nodes (see the class comment), each with when it went silent ({@code System.nanoTime}). */
    private final Map<String, Long> silent = new LinkedHashMap<>();
    /** Told each node that goes silent. */
    private final Consumer<String> onSilent;
    /** Submissions to this node's own guard not answered yet (the router lives on the ingress's event loop). */
    private int localInFlight;
    private final Random random = new Random();
    private final boolean migration;

    private static final System.Logger LOG = System.getLogger(ClusterRouter.class.getName());

    /** Headrooms closer than this (a fraction of the request's own SLOs) count as equal. */
    static final double TIE = 0.005;
    /** The options of {@link #warmPeers}'s messages. */
    private static final DeliveryOptions WARM_UP = new DeliveryOptions().addHeader(NodeConsumers.WARM_UP, "1");

    /** @param onSilent told each node that goes silent (on this router's event loop) */
    public ClusterRouter(Vertx vertx, ClusterView cluster, NodeClock clock, ServerMetrics metrics, long busTimeoutMs,
                         ClusterSettings settings, EngineSnapshots snapshots, boolean migration, Consumer<String> onSilent) {
        this.migration = migration;
        this.onSilent = onSilent;
        this.bus = vertx.eventBus();
        this.cluster = cluster;
        this.clock = clock;
        this.metrics = metrics;
        this.snapshots = snapshots;
        this.settings = settings;
        this.localOptions = Addresses.local(busTimeoutMs);
        this.remoteOptions = new DeliveryOptions().setSendTimeout(busTimeoutMs);
        this.submitOptions = new DeliveryOptions().setSendTimeout(settings.submitTimeoutMs());
        this.quoteOptions = new DeliveryOptions().setSendTimeout(settings.quoteTimeoutMs());
        this.pingOptions = new DeliveryOptions().setSendTimeout(settings.submitTimeoutMs());
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
        if (nodes.stream().anyMatch(n -> !silent.containsKey(n))) { // silent nodes only when no other is left
            nodes.removeIf(silent::containsKey);
        }
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
     * node. A node with no snapshot placement can trust (none arrived yet: it has just joined; or none renewed in
     * time, see {@link EngineSnapshots#trusted}) is asked for a quote instead.
     */
    private Future<List<NodeQuote>> fromSnapshots(Messages.Submit s, List<String> nodes) {
        double now = clock.nowMs();
        RequestSpec spec = s.spec(s.arrivalMs());
        List<NodeQuote> known = new ArrayList<>(nodes.size());
        List<String> unknown = new ArrayList<>();
        for (String node : nodes) {
            List<EngineSnapshot> engines = snapshots.trusted(node);
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
                    // Not silent for this: a quote's timeout (cluster.placement-timeout-ms) is the shorter one.
                    metrics.quoteFailed(nodes.get(i));
                } else {
                    answered(nodes.get(i));
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
     * Submits to the nodes in order until one takes it. A node that declines (stale snapshot, draining) or cannot
     * be reached passes the request to the next; a submission placed from a snapshot carries the headroom the
     * snapshot promised, and may be declined unless it goes to the last node left to try. A node that does not answer
     * in time ends the attempt with {@link NoAnswer}: the submission id may be taken there yet.
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
        }, err -> err instanceof NoAnswer ? Future.failedFuture(err) : tryInOrder(s, order, i + 1, err, fromSnapshots));
    }

    private Future<Placed> submitTo(String node, Messages.Submit s) {
        if (node.equals(cluster.self())) {
            localInFlight++;
            return bus.<Messages.SubmitReply>request(Addresses.GUARD_SUBMIT, s, localOptions)
                    .onComplete(done -> localInFlight--)
                    .map(m -> new Placed(node, m.body()));
        }
        long t0 = System.nanoTime();
        return bus.<JsonObject>request(Addresses.nodeSubmit(node), WireFormat.submit(s, clock.nowMs(), cluster.self(), true),
                submitOptions).transform(r -> {
                    if (r.succeeded()) {
                        answered(node);
                        return Future.succeededFuture(new Placed(node, WireFormat.reply(r.result().body())));
                    }
                    if (timedOut(r.cause())) {
                        silent(node, t0);
                        return Future.failedFuture(new NoAnswer(node, r.cause()));
                    }
                    return Future.failedFuture(r.cause());
                });
    }

    /**
     * Times a round trip to every other node's guard ({@code scorpio_cluster_round_trip_seconds{peer}}): what a
     * placement that moves a request there pays at least. One that fails is not recorded; one not answered within
     * {@code cluster.submit-timeout-ms} makes its node silent.
     */
    public void probeRoundTrips() {
        for (String node : cluster.nodes()) {
            if (!node.equals(cluster.self())) {
                ping(node);
            }
        }
    }

    /**
     * Sends a warm-up message (dropped by the receiver, see {@link NodeConsumers#WARM_UP}) to every address of every
     * other node. The clustered event bus looks up where an address is served the first time it sends there, in a
     * Hazelcast map whose entry lives on one member; while that member is frozen, the lookup waits for Hazelcast to
     * drop it (seconds, {@code hazelcast.heartbeat-timeout-s}), and with it the message: a first submission to a
     * healthy node timed out and found it silent, a first stream event to an entry node held its client's tokens.
     * Warmed while every member answers, the lookups are held in memory before any fault. Repeated every second, it
     * also covers a node that joins later, and any lookup the bus has to make again.
     */
    public void warmPeers() {
        for (String node : cluster.nodes()) {
            if (!node.equals(cluster.self())) {
                for (String address : Addresses.nodeAddresses(node)) {
                    bus.send(address, null, WARM_UP);
                }
            }
        }
    }

    /** Pings each silent node: the first answer makes it a candidate again. */
    public void pingSilent() {
        for (String node : List.copyOf(silent.keySet())) {
            if (cluster.nodes().contains(node)) {
                ping(node);
            } else {
                silent.remove(node);
            }
        }
    }

    private void ping(String node) {
        long t0 = System.nanoTime();
        bus.request(Addresses.nodePing(node), null, pingOptions).onComplete(r -> {
            if (r.succeeded()) {
                metrics.roundTrip(node, System.nanoTime() - t0);
                answered(node);
            } else if (timedOut(r.cause())) {
                silent(node, t0);
            }
        });
    }

    /** The nodes passed over now for not answering in time (for /scorpio/state and the dashboard). */
    public Set<String> silentNodes() {
        return Set.copyOf(silent.keySet());
    }

    /** A node left the cluster: whatever it was, it is no longer silent (if its id comes back, it starts afresh). */
    public void nodeLeft(String node) {
        silent.remove(node);
    }

    /**
     * {@code node} left a message sent at {@code sentNanos} unanswered. If the timeout itself fired late (by half its
     * length), this node was paused (a GC pause, a frozen process) and the answer may be waiting in its own socket:
     * the other node is not blamed.
     */
    private void silent(String node, long sentNanos) {
        long waitedMs = (System.nanoTime() - sentNanos) / 1_000_000;
        if (waitedMs > settings.submitTimeoutMs() * 3 / 2) {
            LOG.log(System.Logger.Level.DEBUG, () -> "no answer from " + node + " after " + waitedMs + " ms: this node "
                    + "was paused, not blamed on " + node);
            return;
        }
        if (!cluster.nodes().contains(node)) {
            return; // it left meanwhile: the departure has already been dealt with
        }
        if (silent.putIfAbsent(node, System.nanoTime()) == null) {
            LOG.log(System.Logger.Level.WARNING, String.format(Locale.ROOT, "node %s did not answer within %d ms: passed "
                    + "over until it answers again", node, settings.submitTimeoutMs()));
            metrics.nodeSilent(node);
            onSilent.accept(node);
        }
    }

    private void answered(String node) {
        Long since = silent.remove(node);
        if (since != null) {
            LOG.log(System.Logger.Level.INFO, String.format(Locale.ROOT, "node %s answers again, %.1f s after it went silent",
                    node, (System.nanoTime() - since) / 1e9));
        }
    }

    private static boolean timedOut(Throwable err) {
        return err instanceof ReplyException r && r.failureType() == ReplyFailure.TIMEOUT;
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
