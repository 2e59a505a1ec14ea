package io.scorpio.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.cluster.NodeProcesses.Node;
import io.scorpio.server.cluster.StreamingClient.Seen;
import io.scorpio.server.dashboard.PrometheusText;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real multi-JVM clusters on loopback: three Scorpio nodes, each its own process, joined by Hazelcast over TCP,
 * driven by real streaming HTTP clients. Each test kills, or freezes and thaws, one node under load and checks
 * what every client saw and what the surviving nodes hold afterwards.
 *
 * <p>Every node runs one simulated engine with at most four sequences at a time, so that a burst leaves requests
 * both running (with tokens sent) and waiting (none sent) on every node. SLOs are generous: these tests are about
 * where requests go and how they end, not about latency.
 */
@Tag("slow") // several node JVMs: left out of the fast run (-DexcludedGroups=slow)
class ClusterFaultTest {

    private static final String[] NODE_FLAGS = {"--engines=1", "--scheduler.max-num-seqs=4", "--worker.time-scale=1",
        "--cluster.placement-timeout-ms=2000"};
    /**
     * For a node frozen under load: Hazelcast would remove a member only after two minutes of silence, so everything
     * happens while the cluster still lists it, even on a slow machine; ties are shuffled among all nodes, so that the
     * node to be frozen gets its share of the load.
     */
    private static final String[] FREEZE_FLAGS = NodeProcesses.flags(NODE_FLAGS, "--hazelcast.heartbeat-timeout-s=120",
            "--cluster.prefer-entry-node=false");

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aRequestEnteringAnyNodeIsServedAnywhereAndAKilledNodeLosesOnlyItsOwnClients() throws Exception {
        try (NodeProcesses cluster = new NodeProcesses("kill", 3); StreamingClient client = new StreamingClient()) {
            // Under these generous SLOs the nodes' headrooms tie. Beside CPU hogs, C once never queued 3 of the load
            // below, most likely because requests arrived spread out and an entry node that wins ties while nothing
            // of its own is in flight keeps most of what it receives. Ties are shuffled among all tied nodes here
            // (3 runs beside two hogs passed since).
            startThree(cluster, NodeProcesses.flags(NODE_FLAGS, "--cluster.prefer-entry-node=false"));
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            Node c = cluster.node(2);

            // 1. A burst into node A alone is spread over the cluster by SLO-aware placement and fully served.
            List<CompletableFuture<Seen>> burst = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                burst.add(client.complete(a.id(), a.base(), 40));
            }
            for (CompletableFuture<Seen> f : burst) {
                Seen s = f.get(120, TimeUnit.SECONDS);
                assertTrue(s.completed() && s.wellFormed(), "burst request: " + s);
            }
            String aText = cluster.metrics(a);
            assertTrue(new PrometheusText(aText).sum("scorpio_placement_latency_seconds_count", "where", "remote") > 0,
                    "node A placed some of its requests on other nodes: " + aText.lines()
                            .filter(l -> l.startsWith("scorpio_placement")).toList());
            assertTrue(steps(cluster, b) > 0 && steps(cluster, c) > 0, "nodes B and C ran steps for A's clients");

            // 2. Load through all three; once C holds both running and waiting requests, kill it.
            List<CompletableFuture<Seen>> viaSurvivors = new ArrayList<>();
            List<CompletableFuture<Seen>> viaC = new ArrayList<>();
            // Once every engine runs its four, the nodes' headrooms tie (a waiting request does not change the TPOT a
            // newcomer would see), so a shuffled tie sends each request to C with chance 1/3. With 36 requests C
            // once held too few to queue three (a fresh-clone CI run); with 60 that is about 1 in 10,000.
            for (int i = 0; i < 60; i++) {
                Node entry = i % 6 == 5 ? c : (i % 2 == 0 ? a : b);
                (entry == c ? viaC : viaSurvivors).add(client.complete(entry.id(), entry.base(), 300));
            }
            int[] peakOnC = new int[3]; // the most C was seen holding: admitted, waiting, live
            NodeProcesses.await("node C running and queueing requests", Duration.ofSeconds(60), () -> {
                JsonObject st = cluster.state(c);
                if (st == null) {
                    return false;
                }
                JsonObject engine = st.getJsonArray("engines").getJsonObject(0);
                peakOnC[0] = Math.max(peakOnC[0], engine.getInteger("admitted"));
                peakOnC[1] = Math.max(peakOnC[1], engine.getInteger("waiting"));
                peakOnC[2] = Math.max(peakOnC[2], engine.getInteger("live"));
                return engine.getInteger("admitted") > 0 && engine.getInteger("waiting") >= 3;
            }, () -> "C held at most " + peakOnC[0] + " admitted, " + peakOnC[1] + " waiting, " + peakOnC[2]
                    + " live; each node's silent peers, trusted engines and placements now:"
                    + cluster.perNode(List.of(a, b, c), st -> st.getValue("cluster_silent") + " "
                            + st.getJsonArray("cluster_engines").size() + " engines")
                    + "\nwarnings in the nodes' logs:" + cluster.warnings(List.of(a, b, c)));
            cluster.kill(c);

            for (CompletableFuture<Seen> f : viaC) {
                Seen s = f.get(60, TimeUnit.SECONDS);
                assertTrue(!s.completed(), "a request whose client was on the killed node cannot complete: " + s);
            }
            int completed = completedOrCut(viaSurvivors);
            int cut = viaSurvivors.size() - completed;
            assertTrue(completed > 0, "survivors served their clients' requests");
            double replaced = replaced(cluster, a) + replaced(cluster, b);
            assertTrue(replaced > 0, "requests waiting on C were placed again (cut " + cut + ", completed " + completed + ")");

            // 3. Once the cluster settles, nothing is left behind: no live request, no stream, no registry entry.
            cluster.awaitCluster(2, Duration.ofSeconds(60));
            cluster.awaitIdle(List.of(a, b));
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aSplitThatHealsServesNoRequestTwice() throws Exception {
        try (NodeProcesses cluster = new NodeProcesses("split", 3); StreamingClient client = new StreamingClient()) {
            // C shares its snapshot once at start and then only every 10 minutes, and A and B drop it when C is cut
            // off. After the heal they see C again only by reading back what the merge wrote into the map (the
            // merge fires no entry event on the member that owns the key).
            // Ties are shuffled among all tied nodes, as in the kill test: with the entry node winning them, requests
            // that arrived spread out on a loaded machine once all stayed on A and B, and C never served before the
            // split (a fresh-clone CI run).
            startThree(cluster, NodeProcesses.flags(NODE_FLAGS, "--cluster.prefer-entry-node=false"),
                    "--cluster.snapshot-interval-ms=600000");
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            Node c = cluster.node(2);

            // Waves of requests through A and B while C is cut off (frozen past the heartbeat timeout) and thawed.
            List<CompletableFuture<Seen>> all = new ArrayList<>();
            for (int i = 0; i < 18; i++) {
                all.add(client.complete(i % 2 == 0 ? a.id() : b.id(), (i % 2 == 0 ? a : b).base(), 150));
            }
            NodeProcesses.await("node C serving", Duration.ofSeconds(60), () -> {
                JsonObject st = cluster.state(c);
                return st != null && st.getJsonArray("engines").getJsonObject(0).getInteger("live") > 0;
            });
            cluster.signal(c, "STOP");
            NodeProcesses.await("A and B to drop C", Duration.ofSeconds(60), () -> {
                JsonObject sa = cluster.state(a);
                JsonObject sb = cluster.state(b);
                return sa != null && sb != null && sa.getJsonArray("cluster_nodes").size() == 2
                        && sb.getJsonArray("cluster_nodes").size() == 2;
            });
            for (int i = 0; i < 8; i++) {
                all.add(client.complete(i % 2 == 0 ? a.id() : b.id(), (i % 2 == 0 ? a : b).base(), 60));
            }
            cluster.signal(c, "CONT");
            cluster.awaitCluster(3, Duration.ofSeconds(120));
            long rejoined = System.nanoTime();
            cluster.awaitClusterViews(List.of(a, b, c), 3, Duration.ofSeconds(30));
            System.out.printf("split: every cluster view lists all three engines %.1f s after every node lists three "
                    + "members%n", (System.nanoTime() - rejoined) / 1e9);

            assertTrue(completedOrCut(all) > 0, "requests completed across the split");

            // After the heal, C takes work again (within seconds: it registers its node addresses anew after the
            // merge), and all three end idle with nothing orphaned.
            awaitServing(cluster, client, a, c, "the healed node");
            cluster.awaitIdle(List.of(a, b, c));
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aNodeThatStopsAnsweringIsPassedOverLongBeforeTheClusterNotices() throws Exception {
        try (NodeProcesses cluster = new NodeProcesses("silent", 3); StreamingClient client = new StreamingClient()) {
            startThree(cluster, FREEZE_FLAGS);
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            Node c = cluster.node(2);

            // 1. Load through A and B until C holds requests both running (tokens sent) and waiting (none sent).
            List<CompletableFuture<Seen>> load = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                Node entry = i % 2 == 0 ? a : b;
                load.add(client.complete(entry.id(), entry.base(), 60));
            }
            JsonObject[] lastSeen = new JsonObject[1];
            NodeProcesses.await("node C running and queueing requests", Duration.ofSeconds(60), () -> {
                lastSeen[0] = cluster.state(c);
                if (lastSeen[0] == null) {
                    return false;
                }
                JsonObject engine = lastSeen[0].getJsonArray("engines").getJsonObject(0);
                return engine.getInteger("admitted") > 0 && engine.getInteger("waiting") >= 2;
            }, () -> "C's last state: " + lastSeen[0]);

            // 2. C freezes. Within seconds A and B pass it over, and place again what waited there without a token.
            // What C had sent a token of stays with it (a stream cannot move): after its prefill, a request may wait
            // in C's queue for decode with its first token sent, so that can be more than the four C was running.
            // So: A and B must end idle while C stays frozen, with every request done save at most those C held.
            int heldByC = cluster.state(c).getJsonArray("engines").getJsonObject(0).getInteger("live");
            cluster.signal(c, "STOP");
            long frozen = System.nanoTime();
            Supplier<Long> completed = () -> load.stream().filter(f -> f.isDone() && f.join().completed()).count();
            // Bounded below the event bus's own 40 s to give up on a silent connection, and far above the few seconds
            // this takes.
            NodeProcesses.await("A and B idle and all but C's requests completed while C is frozen",
                    Duration.ofSeconds(35), () -> completed.get() >= load.size() - heldByC && idle(cluster, a)
                            && idle(cluster, b),
                    () -> "completed " + completed.get() + " of " + load.size() + ", C held " + heldByC
                            + "; the others: " + load.stream().filter(f -> !f.isDone() || !f.join().completed())
                            .map(f -> f.isDone() ? f.join().toString() : "open").toList()
                            + "; the states:" + cluster.perNode(List.of(a, b, c), st -> st));
            System.out.printf("silent node: A and B idle, %d of %d requests completed (C held %d) %.1f s after C "
                    + "froze%n", completed.get(), load.size(), heldByC, (System.nanoTime() - frozen) / 1e9);
            for (Node n : List.of(a, b)) {
                JsonObject st = cluster.state(n);
                assertTrue(st.getJsonArray("cluster_nodes").size() == 3
                        && st.getJsonArray("cluster_silent").contains(c.id()), n.id() + " passes over C while the "
                        + "cluster still lists it: " + st);
            }
            // C is silent at A and B (and its snapshots go unrenewed): their dashboards show it down.
            NodeProcesses.await("A's and B's dashboards to show C down", Duration.ofSeconds(15),
                    () -> Boolean.FALSE.equals(cluster.dashboardShowsUp(a, c))
                            && Boolean.FALSE.equals(cluster.dashboardShowsUp(b, c)));
            double replaced = silentReplaced(cluster, a) + silentReplaced(cluster, b);
            assertTrue(replaced > 0, "requests waiting on C were placed again once it was silent");

            // 3. Requests arriving while C is silent are not sent there: they complete while it is still frozen.
            List<CompletableFuture<Seen>> meanwhile = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Node entry = i % 2 == 0 ? a : b;
                meanwhile.add(client.complete(entry.id(), entry.base(), 20));
            }
            for (CompletableFuture<Seen> f : meanwhile) {
                Seen s = f.get(30, TimeUnit.SECONDS);
                assertTrue(s.completed() && s.wellFormed(), "a request that arrived while C was silent: " + s);
            }

            // 4. C thaws: it answers again and is a candidate again; what it was running finishes, what it had taken
            // and was placed elsewhere is aborted there, and no stream saw a token twice.
            cluster.signal(c, "CONT");
            NodeProcesses.await("A and B to take C back", Duration.ofSeconds(20), () -> {
                JsonObject sa = cluster.state(a);
                JsonObject sb = cluster.state(b);
                return sa != null && sb != null && sa.getJsonArray("cluster_silent").isEmpty()
                        && sb.getJsonArray("cluster_silent").isEmpty()
                        && Boolean.TRUE.equals(cluster.dashboardShowsUp(a, c))
                        && Boolean.TRUE.equals(cluster.dashboardShowsUp(b, c));
            });
            for (CompletableFuture<Seen> f : load) {
                Seen s = f.get(60, TimeUnit.SECONDS);
                assertTrue(s.completed() && s.wellFormed(), "tokens in order, none twice, completed: " + s);
            }
            awaitServing(cluster, client, a, c, "the thawed node");
            cluster.awaitIdle(List.of(a, b, c));
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aFrozenNodeHoldsUpNoTrafficBetweenTheOthersNotEvenTheirFirst() throws Exception {
        try (NodeProcesses cluster = new NodeProcesses("first-contact", 3); StreamingClient client = new StreamingClient()) {
            // The clustered event bus looks up where an address is served the first time it sends there, in a
            // Hazelcast map whose entries are spread over all members, C included. Here C freezes before A and B have
            // sent each other a request. Unless they looked up each other's addresses beforehand
            // (ClusterRouter#warmPeers), a first submission waited for Hazelcast to drop C (timing out, so that a
            // healthy node was found silent) and a first stream event held its client's tokens as long. Which
            // addresses live on C is chance: before the warm-up, 1 of 3 runs of this test failed.
            startThree(cluster, FREEZE_FLAGS);
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            Node c = cluster.node(2);
            cluster.awaitClusterViews(List.of(a, b, c), 3, Duration.ofSeconds(30));
            Thread.sleep(1500); // every node warms its peers' addresses once a second
            cluster.signal(c, "STOP");
            try {
                NodeProcesses.await("A and B to pass frozen C over", Duration.ofSeconds(20), () -> {
                    JsonObject sa = cluster.state(a);
                    JsonObject sb = cluster.state(b);
                    return sa != null && sb != null && sa.getJsonArray("cluster_silent").contains(c.id())
                            && sb.getJsonArray("cluster_silent").contains(c.id());
                });
                // Ties are shuffled between A and B: about half of what enters each is served by the other.
                List<CompletableFuture<Seen>> load = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    Node entry = i % 2 == 0 ? a : b;
                    load.add(client.complete(entry.id(), entry.base(), 20));
                }
                for (CompletableFuture<Seen> f : load) {
                    Seen s = f.get(30, TimeUnit.SECONDS);
                    assertTrue(s.completed() && s.wellFormed(), "served while C is frozen: " + s);
                }
                for (Node n : List.of(a, b)) {
                    Node other = n == a ? b : a;
                    PrometheusText metrics = new PrometheusText(cluster.metrics(n));
                    assertEquals(0, metrics.sum("scorpio_cluster_node_silent_total", "peer", other.id()),
                            n.id() + " never found healthy " + other.id() + " silent");
                    assertTrue(metrics.sum("scorpio_placement_latency_seconds_count",
                            "where", "remote") > 0, n.id() + " placed some of its requests on the other healthy node");
                }
            } finally {
                cluster.signal(c, "CONT");
            }
            cluster.awaitIdle(List.of(a, b));
        }
    }

    /**
     * Waits for every request and checks how each ended: tokens in order, none twice, and either completed or cut
     * mid-stream by its serving node's departure, with an error frame that says so. Returns how many completed.
     */
    private static int completedOrCut(List<CompletableFuture<Seen>> requests) throws Exception {
        int completed = 0;
        for (CompletableFuture<Seen> f : requests) {
            Seen s = f.get(150, TimeUnit.SECONDS);
            assertTrue(s.wellFormed(), "tokens in order, none twice: " + s);
            if (s.completed()) {
                completed++;
            } else {
                assertTrue(s.status() == 200 && s.tokens() > 0 && s.errorFrame() != null
                        && s.errorFrame().contains("left the cluster"), "a cut request ends with an error frame: " + s);
            }
        }
        return completed;
    }

    /**
     * Sends waves of short requests into {@code entry}, each checked complete and well-formed, until {@code node} has
     * run a step for some of them (within 45 s).
     */
    private static void awaitServing(NodeProcesses cluster, StreamingClient client, Node entry, Node node, String what)
            throws Exception {
        double stepsBefore = steps(cluster, node);
        long by = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (steps(cluster, node) == stepsBefore) {
            assertTrue(System.nanoTime() < by, what + " serves again");
            List<CompletableFuture<Seen>> wave = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                wave.add(client.complete(entry.id(), entry.base(), 20));
            }
            for (CompletableFuture<Seen> f : wave) {
                Seen s = f.get(120, TimeUnit.SECONDS);
                assertTrue(s.completed() && s.wellFormed(), "while waiting for " + what + ": " + s);
            }
        }
    }

    /** Starts A, B and C with {@code flags}; {@code cFlags} go to C alone. */
    private static void startThree(NodeProcesses cluster, String[] flags, String... cFlags) throws Exception {
        for (int i = 0; i < 3; i++) {
            cluster.start(i, i == 2 ? NodeProcesses.flags(flags, cFlags) : flags);
        }
        try {
            cluster.awaitCluster(3, Duration.ofSeconds(150));
        } catch (AssertionError e) {
            StringBuilder logs = new StringBuilder(e.getMessage());
            for (int i = 0; i < 3; i++) {
                logs.append("\n--- node ").append(i).append(" ---\n").append(cluster.logTail(cluster.node(i)));
            }
            throw new AssertionError(logs.toString(), e);
        }
    }

    private static double steps(NodeProcesses cluster, Node n) throws Exception {
        return new PrometheusText(cluster.metrics(n)).sum("scorpio_engine_steps_total");
    }

    private static double replaced(NodeProcesses cluster, Node n) throws Exception {
        return new PrometheusText(cluster.metrics(n)).sum("scorpio_requests_replaced_total");
    }

    /** The node's guard holds no request (it may still stream another node's tokens to its clients). */
    private static boolean idle(NodeProcesses cluster, Node n) {
        JsonObject st = cluster.state(n);
        return st != null && st.getInteger("tracked") == 0;
    }

    private static double silentReplaced(NodeProcesses cluster, Node n) throws Exception {
        return new PrometheusText(cluster.metrics(n)).sum("scorpio_requests_replaced_total", "reason", "node_silent");
    }
}
