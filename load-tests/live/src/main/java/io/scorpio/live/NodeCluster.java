package io.scorpio.live;

import io.scorpio.server.Launcher;
import io.scorpio.server.cluster.LoopbackPorts;
import io.vertx.core.json.JsonArray;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Scorpio nodes as real processes on loopback, joined into one Hazelcast cluster: one JVM per node running
 * {@code io.scorpio.server.Launcher}, each on free HTTP, Hazelcast and event-bus ports, all under one cluster name
 * of their own (so that no other cluster on the machine can join), with its stdout and stderr in a log file.
 * {@link #close} stops them (SIGTERM, then SIGKILL after 30 s).
 */
public final class NodeCluster implements AutoCloseable {

    /**
     * How to start a node's JVM.
     *
     * @param classPath class path holding {@code io.scorpio.server.Launcher} (a jar or this JVM's class path)
     * @param jvmFlags  heap and GC flags for every node (the Hazelcast flags are always added)
     */
    public record Launch(String classPath, List<String> jvmFlags) {
        /** From a tool's {@code --server-classpath} (default: this JVM's class path) and {@code --node-jvm} options. */
        static Launch fromOptions(java.util.Map<String, String> o) {
            return new Launch(o.getOrDefault("server-classpath", System.getProperty("java.class.path")),
                    List.of(o.getOrDefault("node-jvm", "-Xmx512m -XX:+UseSerialGC").strip().split("\\s+")));
        }
    }

    /** One node: its id, engines, HTTP port, process and log. */
    public record Node(String id, int engines, int httpPort, Process process, Path log) {
        public Loopback target() {
            return new Loopback("127.0.0.1", httpPort);
        }

        String base() {
            return "http://127.0.0.1:" + httpPort;
        }
    }

    private final String clusterName;
    private final List<Node> nodes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private NodeCluster(String clusterName, List<Node> nodes) {
        this.clusterName = clusterName;
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Starts one node per entry of {@code enginesPerNode} (ids node-1, node-2, ...). Every node lists every member's
     * Hazelcast port, so they find each other whatever order they come up in.
     *
     * @param extraFlags {@code --key=value} flags for every node
     * @param logDir     where {@code node-i.log} go
     */
    public static NodeCluster start(Launch launch, String clusterName, List<Integer> enginesPerNode,
                                    List<String> extraFlags, Path logDir) throws IOException {
        Files.createDirectories(logDir);
        Path tmp = logDir.resolve("tmp").toAbsolutePath();
        Files.createDirectories(tmp);
        int n = enginesPerNode.size();
        List<LoopbackPorts.NodePorts> ports = LoopbackPorts.forNodes(n); // all picked at once, see LoopbackPorts
        List<String> members = ports.stream().map(LoopbackPorts.NodePorts::member).toList();
        List<Node> started = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                String id = "node-" + (i + 1);
                LoopbackPorts.NodePorts own = ports.get(i);
                List<String> cmd = new ArrayList<>();
                cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                cmd.addAll(Launcher.HAZELCAST_JVM_FLAGS);
                cmd.addAll(launch.jvmFlags());
                cmd.addAll(List.of("-cp", launch.classPath(), "io.scorpio.server.Launcher"));
                cmd.addAll(List.of("--node.id=" + id, "--http.host=127.0.0.1", "--http.port=" + own.http(),
                        "--engines=" + enginesPerNode.get(i), "--hazelcast.mode=embedded",
                        "--hazelcast.cluster-name=" + clusterName, "--hazelcast.interface=127.0.0.1",
                        "--hazelcast.join=tcp", "--hazelcast.port=" + own.hazelcast(),
                        "--hazelcast.members=" + String.join(",", members), "--cluster.bus-port=" + own.bus(),
                        // The load client is one address opening a connection per request: the per-client cap (256)
                        // guards against a single abusive client, not this one (4 workers on one node need ~900).
                        "--http.max-connections-per-client=4096"));
                cmd.addAll(extraFlags);
                Path log = logDir.resolve(id + ".log");
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().put("TMPDIR", tmp.toString());
                pb.environment().put("XDG_CACHE_HOME", tmp.toString());
                pb.environment().put("DJL_CACHE_DIR", tmp.toString());
                started.add(new Node(id, enginesPerNode.get(i), own.http(), pb.start(), log));
            }
        } catch (IOException | RuntimeException e) {
            new NodeCluster(clusterName, started).close();
            throw e;
        }
        return new NodeCluster(clusterName, started);
    }

    public List<Node> nodes() {
        return nodes;
    }

    public List<Loopback> targets() {
        return nodes.stream().map(Node::target).toList();
    }

    public List<ProcessHandle> processes() {
        return nodes.stream().map(n -> n.process().toHandle()).toList();
    }

    public String clusterName() {
        return clusterName;
    }

    /**
     * Waits until every node answers {@code /ready} with 200 and lists every node id in {@code cluster_nodes};
     * fails at once, with the node's last log lines, if a node process exits.
     */
    public void awaitFormed(Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean formed = true;
            for (Node n : nodes) {
                if (!n.process().isAlive()) {
                    throw new IllegalStateException(n.id() + " exited with status " + n.process().exitValue()
                            + " during start-up; last lines of " + n.log() + ":\n" + logTail(n, 30));
                }
                formed &= sees(n, nodes.size());
            }
            if (formed) {
                return;
            }
            if (System.nanoTime() > end) {
                StringBuilder logs = new StringBuilder();
                for (Node n : nodes) {
                    logs.append("---- ").append(n.log()).append('\n').append(logTail(n, 15)).append('\n');
                }
                throw new IllegalStateException("cluster " + clusterName + " did not form within " + timeout + "\n" + logs);
            }
            Thread.sleep(250);
        }
    }

    private boolean sees(Node n, int size) {
        try {
            if (get(n, "/ready").statusCode() != 200) {
                return false;
            }
            HttpResponse<String> r = get(n, "/scorpio/state");
            if (r.statusCode() != 200) {
                return false;
            }
            JsonArray members = new JsonObject(r.body()).getJsonArray("cluster_nodes", new JsonArray());
            for (Node other : nodes) {
                if (!members.contains(other.id())) {
                    return false;
                }
            }
            return members.size() == size;
        } catch (IOException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The node's {@code /metrics} text. */
    public String metrics(Node n) throws Exception {
        HttpResponse<String> r = get(n, "/metrics");
        if (r.statusCode() != 200) {
            throw new IllegalStateException(n.id() + " /metrics answered " + r.statusCode());
        }
        return r.body();
    }

    private HttpResponse<String> get(Node n, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(n.base() + path)).timeout(Duration.ofSeconds(10)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static String logTail(Node n, int lines) {
        try {
            List<String> all = Files.readAllLines(n.log());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** SIGTERM to every node (each leaves the cluster in its shutdown hook), 30 s to stop, then SIGKILL. */
    @Override
    public void close() {
        for (Node n : nodes) {
            n.process().destroy();
        }
        for (Node n : nodes) {
            try {
                if (!n.process().waitFor(30, TimeUnit.SECONDS)) {
                    System.err.println("cluster-scale: " + n.id() + " did not stop within 30 s; killing it");
                    n.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                n.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
