package io.scorpio.server.config;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.GuardOptions;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.Slo;
import io.scorpio.model.SloClass;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The typed, validated view of a {@link ServerConfig}: everything the verticles need, checked once at startup
 * so that a bad value fails the launch with a clear message instead of a request later.
 */
public record NodeSettings(
        String nodeId,
        String httpHost,
        int httpPort,
        int maxBodyBytes,
        String modelName,
        Policy policy,
        int engines,
        String worker,
        double workerTimeScale,
        String vllmUrl,
        String vllmModel,
        long vllmTokenTimeoutMs,
        int vllmRefitEvery,
        long vllmMetricsIntervalMs,
        String predictor,
        long predictorTimeoutMs,
        int predictorQueueCapacity,
        int defaultMaxTokens,
        int maxTokensLimit,
        Slo defaultSlo,
        Map<String, Slo> sloClasses,
        SchedulerConfig scheduler,
        GuardOptions guardOptions,
        String placement,
        boolean migration,
        StepTimeModel stepModel,
        PrefillTimeModel prefillModel,
        long idlePollMs,
        long retryInitialMs,
        long retryMaxMs,
        long busTimeoutMs,
        String hazelcastMode,
        String hazelcastClusterName,
        int hazelcastPort,
        List<String> hazelcastMembers,
        String hazelcastInterface,
        String hazelcastJoin,
        String kubernetesServiceDns,
        int heartbeatTimeoutS,
        int mergeDelayS,
        int busPort,
        long placementTimeoutMs,
        AccessSettings access,
        ConnectionLimits limits,
        long shutdownGraceMs) {

    public static final String VLLM_WORKER = "vllm";

    public static NodeSettings from(ServerConfig c) {
        String modelName = c.getOrDefault("model.name", "llama-3.1-8b");
        int engines = c.getInt("engines");
        if (engines < 1 || engines > 64) {
            throw new IllegalArgumentException("engines must be in [1, 64], got " + engines);
        }
        int defMax = c.getInt("max-tokens.default");
        int limit = c.getInt("max-tokens.limit");
        if (defMax < 1 || limit < 1 || defMax > limit) {
            throw new IllegalArgumentException("need 1 <= max-tokens.default <= max-tokens.limit, got " + defMax + " and " + limit);
        }
        String mode = c.getOrDefault("hazelcast.mode", "embedded").toLowerCase(Locale.ROOT);
        if (!mode.equals("embedded") && !mode.equals("none")) {
            throw new IllegalArgumentException("hazelcast.mode must be 'embedded' or 'none', got '" + mode + "'");
        }
        int port = c.getInt("http.port");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("http.port must be in [0, 65535], got " + port);
        }
        SchedulerConfig sc = new SchedulerConfig(c.getDouble("scheduler.gamma"), SchedulerConfig.PAPER.admissionHeadroom(),
                c.getDouble("scheduler.rejection-margin-ms"), c.getInt("scheduler.max-num-batched-tokens"),
                c.getInt("scheduler.max-num-seqs"), c.getInt("scheduler.kv-blocks"), c.getInt("scheduler.block-size"),
                SchedulerConfig.PAPER.watermark(), c.getDouble("scheduler.starvation-limit-ms"));
        double timeScale = c.getDouble("worker.time-scale");
        if (!(timeScale > 0)) {
            throw new IllegalArgumentException("worker.time-scale must be > 0, got " + timeScale);
        }
        int maxBody = c.getInt("http.max-body-bytes");
        if (maxBody < 1024) {
            throw new IllegalArgumentException("http.max-body-bytes must be at least 1024, got " + maxBody);
        }
        long retryInitialMs = positiveLong(c, "engine.retry-initial-ms");
        long retryMaxMs = positiveLong(c, "engine.retry-max-ms");
        if (retryMaxMs < retryInitialMs) {
            throw new IllegalArgumentException("engine.retry-max-ms (" + retryMaxMs + ") must be at least engine.retry-initial-ms ("
                    + retryInitialMs + ")");
        }
        return new NodeSettings(
                c.getOrDefault("node.id", "node-" + UUID.randomUUID().toString().substring(0, 8)),
                c.getOrDefault("http.host", "127.0.0.1"),
                port,
                maxBody,
                modelName,
                Policy.named(c.getOrDefault("policy", "scorpio")),
                engines,
                c.getOrDefault("worker", "llama-3.1-8b-a100").trim(),
                timeScale,
                stripSlash(c.getOrDefault("vllm.url", "http://127.0.0.1:8000")),
                c.getOrDefault("vllm.model", modelName),
                positiveLong(c, "vllm.token-timeout-ms"),
                c.getInt("vllm.refit-every"),
                Math.max(0, c.getInt("vllm.metrics-interval-ms")),
                c.getOrDefault("predictor", "onnx").trim().toLowerCase(Locale.ROOT),
                positiveLong(c, "predictor.timeout-ms"),
                (int) positiveLong(c, "predictor.queue-capacity"),
                defMax,
                limit,
                new Slo(c.getDouble("slo.default.ttft-ms"), c.getDouble("slo.default.tpot-ms")),
                parseClasses(c.getOrDefault("slo.classes", "")),
                sc,
                new GuardOptions(c.getBoolean("guard.low-load-fallback"), GuardOptions.NONE.lightLoad(),
                        GuardOptions.NONE.heavyLoad(), c.getBoolean("guard.best-effort"),
                        c.getBoolean("guard.prefill-aware-credits"), c.getBoolean("guard.prefill-aware-admission")),
                placement(c.getOrDefault("guard.placement", "slo-aware")),
                c.getBoolean("guard.migration"),
                new StepTimeModel(c.getDouble("model.step.a"), c.getDouble("model.step.b"), c.getDouble("model.step.c"),
                        c.getDouble("model.step.d")),
                new PrefillTimeModel(c.getInt("model.prefill.theta"), c.getDouble("model.prefill.c"),
                        c.getDouble("model.prefill.alpha"), c.getDouble("model.prefill.beta")),
                positiveLong(c, "engine.idle-poll-ms"),
                retryInitialMs,
                retryMaxMs,
                positiveLong(c, "bus.timeout-ms"),
                mode,
                c.getOrDefault("hazelcast.cluster-name", "scorpio"),
                c.getInt("hazelcast.port"),
                List.of(c.getOrDefault("hazelcast.members", "127.0.0.1").split("\\s*,\\s*")),
                bindAddress(c.getOrDefault("hazelcast.interface", "127.0.0.1")),
                join(c),
                c.getOrDefault("hazelcast.kubernetes.service-dns", ""),
                (int) positiveLong(c, "hazelcast.heartbeat-timeout-s"),
                (int) positiveLong(c, "hazelcast.merge-delay-s"),
                port(c, "cluster.bus-port"),
                positiveLong(c, "cluster.placement-timeout-ms"),
                AccessSettings.from(c),
                ConnectionLimits.from(c),
                positiveLong(c, "shutdown.grace-ms"));
    }

    /** Whether this node joins a cluster (a Hazelcast member and a clustered event bus). */
    public boolean clustered() {
        return hazelcastMode.equals("embedded");
    }

    private static String bindAddress(String value) {
        String a = value.trim();
        if (a.isEmpty() || a.equals("0.0.0.0") || a.equals("::") || a.contains("*")) {
            throw new IllegalArgumentException("hazelcast.interface must be one address of this host (members bind only "
                    + "to it), got '" + value + "'");
        }
        return a;
    }

    private static String join(ServerConfig c) {
        String j = c.getOrDefault("hazelcast.join", "tcp").trim().toLowerCase(Locale.ROOT);
        if (!j.equals("tcp") && !j.equals("kubernetes")) {
            throw new IllegalArgumentException("hazelcast.join must be 'tcp' or 'kubernetes', got '" + j + "'");
        }
        if (j.equals("kubernetes") && c.getOrDefault("hazelcast.kubernetes.service-dns", "").isBlank()) {
            throw new IllegalArgumentException("hazelcast.join=kubernetes needs hazelcast.kubernetes.service-dns "
                    + "(the headless Service's DNS name)");
        }
        return j;
    }

    private static int port(ServerConfig c, String key) {
        int v = c.getInt(key);
        if (v < 0 || v > 65535) {
            throw new IllegalArgumentException(key + " must be in [0, 65535], got " + v);
        }
        return v;
    }

    private static String placement(String value) {
        String p = value.trim().toLowerCase(Locale.ROOT);
        if (!p.equals("slo-aware") && !p.equals("least-loaded")) {
            throw new IllegalArgumentException("guard.placement must be 'slo-aware' or 'least-loaded', got '" + value + "'");
        }
        return p;
    }

    /** Whether this node's workers are vLLM servers (request-level control only: no credits). */
    public boolean vllmWorker() {
        return VLLM_WORKER.equalsIgnoreCase(worker);
    }

    /**
     * The policy the guard actually runs: over vLLM's stock API a step cannot leave a running sequence out,
     * so credit-based batching is switched off there (LDF, rejection and admission still apply).
     */
    public Policy effectivePolicy() {
        if (!vllmWorker() || !policy.credits()) {
            return policy;
        }
        return new Policy(policy.name(), policy.order(), policy.rejection(), policy.tpotAdmission(), false,
                policy.usesPredictor(), policy.chunkedPrefillBudget());
    }

    static Map<String, Slo> parseClasses(String spec) {
        Map<String, Slo> out = new LinkedHashMap<>();
        if (spec.isBlank()) {
            return out;
        }
        for (String part : spec.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            int slash = p.indexOf('/', eq + 1);
            if (eq <= 0 || slash < 0) {
                throw new IllegalArgumentException("slo.classes entries take the form name=ttft_ms/tpot_ms, got '" + p + "'");
            }
            try {
                out.put(p.substring(0, eq).trim(), new Slo(Double.parseDouble(p.substring(eq + 1, slash).trim()),
                        Double.parseDouble(p.substring(slash + 1).trim())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad SLO class '" + p + "': " + e.getMessage());
            }
        }
        return out;
    }

    /** The paper's classes as the default configuration string: kept in one place with the shared model. */
    public static String paperClasses() {
        StringBuilder sb = new StringBuilder();
        for (SloClass c : SloClass.LLAMA_3_1_8B) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(c.name()).append('=').append((long) c.slo().ttftMs()).append('/').append((long) c.slo().tpotMs());
        }
        return sb.toString();
    }

    private static long positiveLong(ServerConfig c, String key) {
        int v = c.getInt(key);
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + v);
        }
        return v;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
