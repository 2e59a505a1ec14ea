package io.scorpio.server;

import io.scorpio.server.config.NodeSettings;
import io.scorpio.server.config.ServerConfig;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * Starts one Scorpio node. Configuration: built-in defaults &lt; {@code --config=FILE} (JSON) &lt; environment
 * {@code SCORPIO_*} &lt; {@code --key=value} flags; {@code --help} lists every key (also in docs/service.md).
 */
public final class Launcher {

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
