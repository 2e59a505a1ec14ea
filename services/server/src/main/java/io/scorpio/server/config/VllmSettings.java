package io.scorpio.server.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The vLLM worker's settings beyond the ones {@link NodeSettings} has always held (model, token timeout, refit,
 * metrics interval): which vLLM server each engine talks to, and whether requests carry their deadline order as
 * vLLM's {@code priority}.
 *
 * @param urls one base URL for every engine, or one per engine ({@code vllm.url} as a comma-separated list)
 * @param priority {@code vllm.priority}: send each request's TTFT deadline as vLLM's {@code priority} field, so that a
 *     vLLM run with {@code --scheduling-policy priority} serves its own queue earliest deadline first
 */
public record VllmSettings(List<String> urls, boolean priority) {

    public VllmSettings {
        urls = List.copyOf(urls);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("vllm.url must name at least one URL");
        }
    }

    public static VllmSettings from(ServerConfig c, int engines) {
        List<String> urls = new ArrayList<>();
        for (String u : c.getOrDefault("vllm.url", "http://127.0.0.1:8000").split(",")) {
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
        return new VllmSettings(urls, c.getBoolean("vllm.priority"));
    }

    /** The server engine {@code engine} talks to. */
    public String urlFor(int engine) {
        return urls.size() == 1 ? urls.get(0) : urls.get(engine);
    }
}
