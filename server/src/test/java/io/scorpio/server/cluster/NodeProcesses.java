package io.scorpio.server.cluster;

import io.scorpio.server.Launcher;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A real cluster of Scorpio nodes for tests: each node is its own JVM ({@code io.scorpio.server.Launcher} on this
 * test's class path), joined by Hazelcast over TCP on loopback, with its log in {@code target/cluster-logs}.
 * Nodes can be killed ({@code SIGKILL}), frozen ({@code SIGSTOP}, which cuts them off like a network split) and
 * thawed ({@code SIGCONT}).
 */
final class NodeProcesses implements AutoCloseable {

    /** Small heaps and a quick JIT: three nodes share the test machine's cores with the build. */
    private static final List<String> JVM_FLAGS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /** One node: its process and the port its HTTP server listens on. */
    record Node(String id, Process process, int httpPort, Path log) {
        String base() {
            return "http://127.0.0.1:" + httpPort;
        }
    }

    private final String clusterName;
    /** Every port the cluster needs, picked at once (see {@link LoopbackPorts}). */
    private final List<LoopbackPorts.NodePorts> ports;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Path logs;

    /** Picks the ports of {@code size} members (Hazelcast, HTTP, event bus each); nodes start with {@link #start}. */
    NodeProcesses(String name, int size) throws IOException {
        this.clusterName = name + "-" + ProcessHandle.current().pid();
        this.logs = Path.of("target", "cluster-logs", name);
        Files.createDirectories(logs);
        this.ports = LoopbackPorts.forNodes(size);
    }

    /** Starts node {@code index} (its own Hazelcast port from the member list) with extra {@code --key=value} flags. */
    Node start(int index, String... extra) throws IOException {
        String id = "node-" + (char) ('a' + index);
        LoopbackPorts.NodePorts own = ports.get(index);
        List<String> members = ports.stream().map(LoopbackPorts.NodePorts::member).toList();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(Launcher.HAZELCAST_JVM_FLAGS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.scorpio.server.Launcher");
        cmd.addAll(List.of("--node.id=" + id, "--http.port=" + own.http(), "--hazelcast.cluster-name=" + clusterName,
                "--hazelcast.port=" + own.hazelcast(), "--hazelcast.members=" + String.join(",", members),
                "--cluster.bus-port=" + own.bus(),
                "--hazelcast.heartbeat-timeout-s=4", "--hazelcast.merge-delay-s=5", "--predictor=none"));
        cmd.addAll(List.of(extra));
        Path log = logs.resolve(id + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Path tmp = Path.of("target", "tmp").toAbsolutePath();
        Files.createDirectories(tmp);
        pb.environment().put("TMPDIR", tmp.toString());
        pb.environment().put("XDG_CACHE_HOME", tmp.toString());
        Node node = new Node(id, pb.start(), own.http(), log);
        nodes.put(id, node);
        return node;
    }

    /** Flags common to several nodes, then one node's own. */
    static String[] flags(String[] common, String... own) {
        String[] out = java.util.Arrays.copyOf(common, common.length + own.length);
        System.arraycopy(own, 0, out, common.length, own.length);
        return out;
    }

    /** Waits until every running node answers /ready and sees {@code size} nodes in its cluster. */
    void awaitCluster(int size, Duration timeout) throws Exception {
        await("a cluster of " + size, timeout, () -> {
            for (Node n : running()) {
                JsonObject state = state(n);
                if (state == null || state.getJsonArray("cluster_nodes").size() != size || status(n, "/ready") != 200) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Waits until every node's cluster view (from the snapshot map) lists {@code engines} engines; a timeout names
     * what each node saw.
     */
    void awaitClusterViews(List<Node> nodes, int engines, Duration timeout) throws Exception {
        await(engines + " engines in every cluster view", timeout, () -> {
            for (Node n : nodes) {
                JsonObject st = state(n);
                if (st == null || st.getJsonArray("cluster_engines").size() != engines) {
                    return false;
                }
            }
            return true;
        }, () -> "the views:" + perNode(nodes, st -> st.getJsonArray("cluster_engines")));
    }

    List<Node> running() {
        return nodes.values().stream().filter(n -> n.process().isAlive()).toList();
    }

    Node node(int index) {
        return nodes.get("node-" + (char) ('a' + index));
    }

    /** SIGKILL: the process dies at once, its sockets closed by the OS. */
    void kill(Node n) throws InterruptedException {
        n.process().destroyForcibly();
        n.process().waitFor();
    }

    void signal(Node n, String signal) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(n.process().pid())).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " failed");
        }
    }

    /** GET /scorpio/state, or null when the node does not answer. */
    JsonObject state(Node n) {
        return json(n, "/scorpio/state");
    }

    /** A figure of node {@code n}'s first engine in its /scorpio/state; -1 when it does not answer. */
    int engineOf(Node n, String field) {
        JsonObject st = state(n);
        return st == null ? -1 : st.getJsonArray("engines").getJsonObject(0).getInteger(field);
    }

    /**
     * Whether node {@code n}'s dashboard shows the member {@code member} up; null when {@code n} does not answer or
     * does not list {@code member} at all (a member missing is neither up nor down).
     */
    Boolean dashboardShowsUp(Node n, Node member) {
        JsonObject data = json(n, "/dashboard/data");
        if (data == null) {
            return null;
        }
        return data.getJsonArray("nodes").stream().map(JsonObject.class::cast)
                .filter(o -> o.getString("id").equals(member.id())).findFirst().map(o -> o.getBoolean("healthy"))
                .orElse(null);
    }

    /** GET {@code path} as JSON, or null when the node does not answer 200. */
    private JsonObject json(Node n, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(n.base() + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    int status(Node n, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(n.base() + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    String metrics(Node n) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(n.base() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * Waits until each node is idle with nothing left behind: no request tracked by its guard or live in an engine,
     * no open stream, no request in flight at its ingress, and an empty cluster-wide request registry.
     */
    void awaitIdle(List<Node> nodes) throws Exception {
        await("every node idle, nothing orphaned", Duration.ofSeconds(60), () -> {
            for (Node n : nodes) {
                JsonObject st = state(n);
                if (st == null || st.getInteger("tracked") != 0 || st.getInteger("open_streams") != 0
                        || st.getInteger("inflight") != 0 || st.getInteger("registry_entries_cluster") != 0) {
                    return false;
                }
                for (int e = 0; e < st.getJsonArray("engines").size(); e++) {
                    if (st.getJsonArray("engines").getJsonObject(e).getInteger("live") != 0) {
                        return false;
                    }
                }
            }
            return true;
        }, () -> "the nodes' last states:" + perNode(nodes, st -> st));
    }

    /** One line per node: its id and {@code what} of its /scorpio/state ("no answer" when it gives none). */
    String perNode(List<Node> nodes, Function<JsonObject, Object> what) {
        StringBuilder out = new StringBuilder();
        for (Node n : nodes) {
            JsonObject st = state(n);
            out.append("\n").append(n.id()).append(": ").append(st == null ? "no answer" : what.apply(st));
        }
        return out.toString();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        await(what, timeout, condition, () -> "");
    }

    /** As {@link #await(String, Duration, BooleanSupplier)}; a timeout's message ends with what {@code seen} says then. */
    static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> seen) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                String more = seen.get();
                throw new AssertionError("timed out waiting for " + what + (more.isEmpty() ? "" : "; " + more));
            }
            Thread.sleep(200);
        }
    }

    /** Each node's logged warnings and errors, at most 10 lines a node: what explains a test that timed out. */
    String warnings(List<Node> nodes) {
        StringBuilder out = new StringBuilder();
        for (Node n : nodes) {
            try {
                Files.readAllLines(n.log()).stream().filter(l -> l.contains("WARN") || l.contains("SEVERE")
                        || l.contains("ERROR")).limit(10).forEach(l -> out.append("\n").append(n.id()).append(": ").append(l));
            } catch (IOException e) {
                out.append("\n").append(n.id()).append(": (no log: ").append(e).append(")");
            }
        }
        return out.toString();
    }

    String logTail(Node n) {
        try {
            List<String> lines = Files.readAllLines(n.log());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        for (Node n : nodes.values()) {
            if (n.process().isAlive()) {
                signal(n, "CONT"); // a frozen process cannot act on TERM
                n.process().destroy();
            }
        }
        for (Node n : nodes.values()) {
            if (!n.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                n.process().destroyForcibly().waitFor();
            }
        }
    }
}
