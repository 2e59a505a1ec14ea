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
        String file = Keys.optional(c, "auth.keys-file");
        String origins = Keys.optional(c, "auth.allowed-origins");
        OptionalInt metricsPort = Keys.optional(c, "metrics.port").isEmpty() ? OptionalInt.empty()
                : OptionalInt.of(Keys.port(c, "metrics.port"));
        String metricsHost = Keys.optional(c, "metrics.host");
        return new AccessSettings(file.isEmpty() ? Optional.empty() : Optional.of(Path.of(file)), c.getInt("auth.keys-reload-ms"),
                c.getInt("auth.rate-limit-timeout-ms"),
                origins.isEmpty() ? List.of() : Arrays.stream(origins.split(",")).map(String::trim).filter(o -> !o.isEmpty()).toList(),
                metricsHost.isEmpty() ? c.get("http.host").trim() : metricsHost,
                metricsPort);
    }
}
