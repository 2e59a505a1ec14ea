package io.scorpio.server.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Access control and the operational port, as configured ({@code auth.*}, {@code metrics.*}).
 *
 * @param keysFile the API key file; empty = no keys, every request allowed (the embedded default)
 * @param keysReloadMs how often the keys file is checked for changes; 0 = read at start only
 * @param rateLimitTimeoutMs in a cluster, how long the shared token bucket may take before this node's decides
 * @param allowedOrigins WebSocket {@code Origin} values accepted; empty = any
 * @param metricsHost where the operational server binds, when there is one
 * @param metricsPort a separate port for {@code /metrics} and {@code /scorpio/state}; empty = the main port
 */
public record AccessSettings(Optional<Path> keysFile, long keysReloadMs, long rateLimitTimeoutMs, List<String> allowedOrigins,
                             String metricsHost, OptionalInt metricsPort) {

    public AccessSettings {
        if (keysReloadMs < 0) {
            throw new IllegalArgumentException("auth.keys-reload-ms must be >= 0 (0 = read at start only), got " + keysReloadMs);
        }
        if (rateLimitTimeoutMs < 1) {
            throw new IllegalArgumentException("auth.rate-limit-timeout-ms must be >= 1, got " + rateLimitTimeoutMs);
        }
    }

    public static AccessSettings from(ServerConfig c) {
        String file = c.getOrDefault("auth.keys-file", "").trim();
        String origins = c.getOrDefault("auth.allowed-origins", "").trim();
        String port = c.getOrDefault("metrics.port", "").trim();
        OptionalInt metricsPort = OptionalInt.empty();
        if (!port.isEmpty()) {
            int p = c.getInt("metrics.port");
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("metrics.port must be in [0, 65535], got " + p);
            }
            metricsPort = OptionalInt.of(p);
        }
        return new AccessSettings(file.isEmpty() ? Optional.empty() : Optional.of(Path.of(file)), c.getInt("auth.keys-reload-ms"),
                c.getInt("auth.rate-limit-timeout-ms"),
                origins.isEmpty() ? List.of() : Arrays.stream(origins.split(",")).map(String::trim).filter(o -> !o.isEmpty()).toList(),
                c.getOrDefault("metrics.host", c.getOrDefault("http.host", "127.0.0.1")).trim(),
                metricsPort);
    }
}
