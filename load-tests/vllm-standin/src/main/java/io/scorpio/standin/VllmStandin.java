package io.scorpio.standin;

import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts a vLLM stand-in: {@code java -jar load-tests/vllm-standin/target/vllm-standin.jar --port=8000}. Flags are
 * vLLM's where vLLM has one ({@link StandinOptions#USAGE}).
 */
public final class VllmStandin {

    private static final System.Logger LOG = System.getLogger(VllmStandin.class.getName());

    private VllmStandin() {
    }

    public static void main(String[] args) throws Exception {
        StandinOptions options;
        try {
            Map<String, String> o = new LinkedHashMap<>();
            for (String a : args) {
                if (a.equals("--help") || a.equals("-h")) {
                    System.out.print(StandinOptions.USAGE);
                    return;
                }
                if (!a.startsWith("--") || !a.contains("=")) {
                    throw new IllegalArgumentException("expected --key=value, got " + a + "\n" + StandinOptions.USAGE);
                }
                o.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            }
            options = StandinOptions.parse(o);
        } catch (IllegalArgumentException e) {
            System.err.println("vllm-standin: " + e.getMessage());
            System.exit(2);
            return;
        }
        Vertx vertx = Vertx.vertx();
        StandinServer server = new StandinServer(options);
        vertx.deployVerticle(server).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        LOG.log(Level.INFO, () -> "vLLM stand-in serving " + options.model() + " on http://" + options.host() + ":"
                + server.port() + " (" + (options.priority() ? "priority" : "fcfs") + " scheduling, chunked prefill of "
                + options.maxNumBatchedTokens() + " tokens, max " + options.maxNumSeqs() + " sequences, time scale "
                + options.timeScale() + (options.answerLengths().size() > 0 ? ", answer lengths of "
                + options.answerLengths().size() + " prompts" : "") + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
            stopped.countDown();
        }, "standin-shutdown"));
        stopped.await();
    }
}
