package io.scorpio.server.config;

import io.scorpio.model.DataFiles;
import java.nio.file.Path;

/**
 * Each engine's worker: which kind ({@code worker}: a simulated GPU profile or {@code vllm}), the simulated workers'
 * time scale and data (the bundled GPU profiles, or a folder of replacements named by {@code data.dir}), the vLLM server's
 * settings, and how long a failed worker waits between health probes.
 */
public record WorkerSettings(String kind, double timeScale, DataFiles data, VllmSettings vllm, long retryInitialMs,
                             long retryMaxMs) {

    public static final String VLLM = "vllm";

    public WorkerSettings {
        if (!(timeScale > 0)) {
            throw new IllegalArgumentException("worker.time-scale must be > 0, got " + timeScale);
        }
        if (retryMaxMs < retryInitialMs) {
            throw new IllegalArgumentException("engine.retry-max-ms (" + retryMaxMs + ") must be at least engine.retry-initial-ms ("
                    + retryInitialMs + ")");
        }
    }

    static WorkerSettings from(ServerConfig c, String modelName) {
        return new WorkerSettings(c.get("worker").trim(), c.getDouble("worker.time-scale"), data(Keys.optional(c, "data.dir")),
                VllmSettings.from(c, modelName),
                Keys.positive(c, "engine.retry-initial-ms"), Keys.positive(c, "engine.retry-max-ms"));
    }

    private static DataFiles data(String dir) {
        if (dir.isEmpty()) {
            return DataFiles.bundled();
        }
        try {
            return DataFiles.overlaying(Path.of(dir));
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("data.dir: " + e.getMessage(), e);
        }
    }

    /** Whether the workers are vLLM servers (request-level control only: no credits). */
    public boolean isVllm() {
        return VLLM.equalsIgnoreCase(kind);
    }

    /**
     * The vLLM servers' settings ({@code vllm.*}).
     *
     * @param model the model name sent to vLLM ({@code vllm.model}, else {@code model.name})
     * @param metricsIntervalMs how often vLLM's /metrics is scraped; 0 = never
     */
    public record VllmSettings(String url, String model, long tokenTimeoutMs, int refitEvery, long metricsIntervalMs) {

        static VllmSettings from(ServerConfig c, String modelName) {
            String url = c.get("vllm.url").trim();
            String model = Keys.optional(c, "vllm.model");
            return new VllmSettings(url.endsWith("/") ? url.substring(0, url.length() - 1) : url,
                    model.isEmpty() ? modelName : model, Keys.positive(c, "vllm.token-timeout-ms"), c.getInt("vllm.refit-every"),
                    Math.max(0, c.getInt("vllm.metrics-interval-ms")));
        }
    }
}
