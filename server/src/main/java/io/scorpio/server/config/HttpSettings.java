package io.scorpio.server.config;

/**
 * Where the ingress listens and the largest body it reads ({@code http.host}, {@code http.port},
 * {@code http.max-body-bytes}). The connection timeouts and caps are {@link ConnectionLimits}.
 */
public record HttpSettings(String host, int port, int maxBodyBytes) {

    public HttpSettings {
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("http.max-body-bytes must be at least 1024, got " + maxBodyBytes);
        }
    }

    static HttpSettings from(ServerConfig c) {
        return new HttpSettings(c.get("http.host").trim(), Keys.port(c, "http.port"), c.getInt("http.max-body-bytes"));
    }
}
