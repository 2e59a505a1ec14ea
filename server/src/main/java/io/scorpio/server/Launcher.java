package io.scorpio.server;

import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import io.scorpio.server.logging.LogSetup;
import java.lang.System.Logger.Level;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * Starts one Scorpio node. Configuration: built-in defaults &lt; {@code --config=FILE} (JSON) &lt; environment
 * {@code SCORPIO_*} &lt; {@code --key=value} flags; {@code --help} lists every key (also in docs/service.md).
 */
public final class Launcher {

    private static final System.Logger LOG = System.getLogger(Launcher.class.getName());

    /**
     * The JVM flags a node started from a class path needs: Hazelcast's on Java 17+, from the root pom's one list
     * ({@code jvm.add-opens}, {@code jvm.add-exports}; the jar's manifest and the tests' argLine carry the same), for
     * programs that start nodes as processes of their own. {@code --jvm-flags} prints them, one per line, for scripts.
     */
    public static final List<String> HAZELCAST_JVM_FLAGS = hazelcastJvmFlags();

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(ServerConfig.usage());
            return;
        }
        if (Arrays.asList(args).equals(List.of("--jvm-flags"))) {
            HAZELCAST_JVM_FLAGS.forEach(System.out::println);
            return;
        }
        ServerConfig config;
        try {
            config = ServerConfig.fromProcess(args);
            NodeSettings.from(config); // validates every key before anything starts
            LogSetup.install(LogSetup.Format.parse(config.get("log.format")), LogSetup.parseLevel(config.get("log.level")));
        } catch (IllegalArgumentException e) {
            System.err.println("scorpio: " + e.getMessage());
            System.err.println("run with --help for the configuration keys");
            System.exit(2);
            return;
        }
        ScorpioNode node = ScorpioNode.start(config);
        NodeSettings started = node.settings(); // the node's own view (a random node.id is drawn once, there)
        LOG.log(Level.INFO, () -> "Scorpio node " + started.nodeId() + " serving " + started.requests().modelName() + " on http://"
                + started.http().host() + ":" + node.port() + " (policy " + started.guard().policy().name()
                + (started.guard().policy().credits() ? ", credits on" : ", credits off") + ", worker " + started.worker().kind()
                + " x" + started.guard().engines() + ", predictor " + started.predictor().kind() + ", hazelcast " + started.hazelcast().mode() + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (docs/service.md, "Shutdown"): drain, then close. The drain's lines go to stderr directly, because
        // java.util.logging's LogManager resets its handlers in a shutdown hook of its own, racing this one.
        String me = Launcher.class.getName();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                long grace = started.shutdownGraceMs();
                LogSetup.shutdownLine(Level.INFO, me, "shutting down: /ready is 503, new requests get 503; requests in "
                        + "flight have " + grace + " ms (shutdown.grace-ms) to finish");
                long t0 = System.nanoTime();
                int cut = node.drain(grace);
                LogSetup.shutdownLine(Level.INFO, me, "drained in " + (System.nanoTime() - t0) / 1_000_000 + " ms; " + cut
                        + " request(s) ended with a server_shutdown error; closing");
                node.close();
                LogSetup.shutdownLine(Level.INFO, me, "stopped");
            } catch (Exception e) {
                LogSetup.shutdownLine(Level.ERROR, me, "error while stopping: " + e);
            } finally {
                stopped.countDown();
            }
        }, "scorpio-shutdown"));
        stopped.await();
    }

    private static List<String> hazelcastJvmFlags() {
        Properties p = new Properties();
        try (InputStream in = Launcher.class.getResourceAsStream("hazelcast-jvm.properties")) {
            if (in == null) {
                throw new IllegalStateException("hazelcast-jvm.properties is missing from the server's class path");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> flags = new ArrayList<>(List.of("--add-modules", "java.se"));
        for (String pair : p.getProperty("add-exports").trim().split("\\s+")) {
            flags.addAll(List.of("--add-exports", pair + "=ALL-UNNAMED"));
        }
        for (String pair : p.getProperty("add-opens").trim().split("\\s+")) {
            flags.addAll(List.of("--add-opens", pair + "=ALL-UNNAMED"));
        }
        flags.add("-Dhazelcast.phone.home.enabled=false");
        return List.copyOf(flags);
    }
}
