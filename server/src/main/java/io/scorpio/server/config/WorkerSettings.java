package io.scorpio.server.config;

import io.scorpio.model.DataFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

    static WorkerSettings from(ServerConfig c, String modelName, int engines) {
        return new WorkerSettings(c.get("worker").trim(), c.getDouble("worker.time-scale"), data(Keys.optional(c, "data.dir")),
                VllmSettings.from(c, modelName, engines),
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
     * @param urls one base URL for every engine, or one per engine ({@code vllm.url} as a comma-separated list)
     * @param model the model name sent to vLLM ({@code vllm.model}, else {@code model.name})
     * @param metricsIntervalMs how often vLLM's /metrics is scraped; 0 = never
     * @param priority {@code vllm.priority}: send each request's TTFT deadline as vLLM's {@code priority} field, so
     *     that a vLLM run with {@code --scheduling-policy priority} serves its own queue earliest deadline first
     */
    public record VllmSettings(List<String> urls, String model, long tokenTimeoutMs, int refitEvery, long metricsIntervalMs,
                               boolean priority) {

        public VllmSettings {
            urls = List.copyOf(urls);
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("vllm.url must name at least one URL");
            }
        }

        static VllmSettings from(ServerConfig c, String modelName, int engines) {
            List<String> urls = new ArrayList<>();
            for (String u : c.get("vllm.url").split(",")) {
                String url = u.trim();
                while (url.endsWith("/")) {
                    url = url.substring(0, url.length() - 1);
                }
                if (!url.startsWith("http://") && !url.startsWith("https://")) {
                    throw new IllegalArgumentException("vllm.url: each URL must start with http:// or https://, got '" + u + "'");
                }
                urls.add(url);
            }
            if (urls.size() > 1 && urls.size() != engines) {
                throw new IllegalArgumentException("vllm.url lists " + urls.size() + " servers but engines is " + engines
                        + ": give one URL for all engines, or one per engine (--engines=" + urls.size() + ")");
            }
            String model = Keys.optional(c, "vllm.model");
            return new VllmSettings(urls, model.isEmpty() ? modelName : model, Keys.positive(c, "vllm.token-timeout-ms"),
                    c.getInt("vllm.refit-every"), Math.max(0, c.getInt("vllm.metrics-interval-ms")), c.getBoolean("vllm.priority"));
        }

        /** The server engine {@code engine} talks to. */
        public String urlFor(int engine) {
            return urls.size() == 1 ? urls.get(0) : urls.get(engine);
        }
    }
}
