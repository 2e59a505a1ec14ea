package io.scorpio.server;

import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Starts one Scorpio node. Configuration: built-in defaults &lt; {@code --config=FILE} (JSON) &lt; environment
 * {@code SCORPIO_*} &lt; {@code --key=value} flags; {@code --help} lists every key (also in docs/service.md).
 */
public final class Launcher {

    /**
     * The JVM flags a node started from a class path needs: Hazelcast's on Java 17 (the same list as the root pom's
     * {@code hazelcast.jvm.opens}, which the jar's manifest and the tests' argLine carry), for programs that start
     * nodes as processes of their own.
     */
    public static final List<String> HAZELCAST_JVM_FLAGS = List.of("--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "-Dhazelcast.phone.home.enabled=false");

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(ServerConfig.usage());
            return;
        }
        ServerConfig config;
        NodeSettings settings;
        try {
            config = ServerConfig.fromProcess(args);
            settings = NodeSettings.from(config);
        } catch (IllegalArgumentException e) {
            System.err.println("scorpio: " + e.getMessage());
            System.err.println("run with --help for the configuration keys");
            System.exit(2);
            return;
        }
        ScorpioNode node = ScorpioNode.start(config);
        settings = node.settings(); // the node's own view (a random node.id is drawn once, there)
        System.out.println("Scorpio node " + settings.nodeId() + " serving " + settings.modelName() + " on http://"
                + settings.httpHost() + ":" + node.port() + " (policy " + settings.effectivePolicy().name()
                + (settings.effectivePolicy().credits() ? ", credits on" : ", credits off") + ", worker " + settings.worker()
                + " x" + settings.engines() + ", predictor " + settings.predictor() + ", hazelcast " + settings.hazelcastMode() + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                System.err.println("scorpio: error while stopping: " + e);
            } finally {
                stopped.countDown();
            }
        }, "scorpio-shutdown"));
        stopped.await();
    }
}
