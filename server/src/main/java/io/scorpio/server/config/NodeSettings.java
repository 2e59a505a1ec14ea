package io.scorpio.server.config;

import java.util.UUID;

/**
 * The typed, validated view of a {@link ServerConfig}: one settings record per component, each built from the one key
 * table ({@link ServerConfig#KEYS}, where every default is written) and checked once at startup, so that a bad value
 * fails the launch with a clear message instead of a request later. Each verticle is handed the records it uses.
 *
 * @param nodeId          this node's id in the cluster (a random one when {@code node.id} is unset, drawn once, here)
 * @param cluster         how a request that entered this node finds its node in a cluster
 * @param busTimeoutMs    the event bus's request-reply timeout
 * @param shutdownGraceMs on SIGTERM, how long in-flight requests may take to finish
 */
public record NodeSettings(
        String nodeId,
        HttpSettings http,
        ConnectionLimits limits,
        AccessSettings access,
        RequestDefaults requests,
        GuardSettings guard,
        WorkerSettings worker,
        PredictorSettings predictor,
        HazelcastSettings hazelcast,
        ClusterSettings cluster,
        long busTimeoutMs,
        long shutdownGraceMs) {

    public static NodeSettings from(ServerConfig c) {
        String nodeId = Keys.optional(c, "node.id");
        RequestDefaults requests = RequestDefaults.from(c);
        WorkerSettings worker = WorkerSettings.from(c, requests.modelName(), c.getInt("engines"));
        return new NodeSettings(
                nodeId.isEmpty() ? "node-" + UUID.randomUUID().toString().substring(0, 8) : nodeId,
                HttpSettings.from(c),
                ConnectionLimits.from(c),
                AccessSettings.from(c),
                requests,
                GuardSettings.from(c, worker.isVllm()),
                worker,
                PredictorSettings.from(c),
                HazelcastSettings.from(c),
                ClusterSettings.from(c),
                Keys.positive(c, "bus.timeout-ms"),
                Keys.positive(c, "shutdown.grace-ms"));
    }

    /**
     * How long the guard waits for one step of an engine: a vLLM step may legitimately wait up to the token timeout,
     * and the engine's own failure handling must get there first.
     */
    public long stepTimeoutMs() {
        return 2 * Math.max(busTimeoutMs, worker.vllm().tokenTimeoutMs());
    }
}
