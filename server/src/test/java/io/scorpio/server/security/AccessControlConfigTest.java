package io.scorpio.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.Slo;
import io.scorpio.server.config.AccessSettings;
import io.scorpio.server.config.ServerConfig;
import io.scorpio.server.metrics.ServerMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessControlConfigTest {

    @TempDir
    Path dir;

    @Test
    void offByDefault() {
        AccessSettings s = AccessSettings.from(ServerConfig.defaults());
        assertTrue(s.keysFile().isEmpty());
        assertTrue(s.allowedOrigins().isEmpty());
        assertTrue(s.metricsPort().isEmpty());
        assertEquals("127.0.0.1", s.metricsHost());
        assertFalse(AccessControl.from(s, Map.of(), new RateLimiter(), new ServerMetrics()).keysOn());
    }

    @Test
    void parsesOriginsAndPort() {
        AccessSettings s = AccessSettings.from(ServerConfig.defaults().with(Map.of(
                "auth.allowed-origins", " https://a.example, http://b.example ,", "metrics.port", "9090",
                "metrics.host", "10.0.0.1")));
        assertEquals(List.of("https://a.example", "http://b.example"), s.allowedOrigins());
        assertEquals(OptionalInt.of(9090), s.metricsPort());
        assertEquals("10.0.0.1", s.metricsHost());
        assertThrows(IllegalArgumentException.class,
                () -> AccessSettings.from(ServerConfig.defaults().with(Map.of("metrics.port", "70000"))));
    }

    @Test
    void aKeyNamingAnUndefinedClassFailsTheStart() throws Exception {
        Path file = dir.resolve("keys.json");
        KeyFile.write(file, Map.of("k", KeyFile.issue("k", Set.of("1", "9"), 0, 1).key()));
        AccessSettings s = new AccessSettings(Optional.of(file), 0, 250, List.of(), "127.0.0.1", OptionalInt.empty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessControl.from(s, Map.of("1", new Slo(500, 30)), new RateLimiter(), new ServerMetrics()));
        assertTrue(e.getMessage().contains("'9'"), e.getMessage());
        assertTrue(AccessControl.from(s, Map.of("1", new Slo(500, 30), "9", new Slo(900, 90)), new RateLimiter(), new ServerMetrics()).keysOn());
    }

    @Test
    void aMalformedKeysFileFailsTheStart() throws Exception {
        Path file = dir.resolve("bad.json");
        java.nio.file.Files.writeString(file, "[{\"id\": \"a\", \"salt\": \"x\", \"hash\": \"y\", \"classes\": []}]");
        AccessSettings s = new AccessSettings(Optional.of(file), 0, 250, List.of(), "127.0.0.1", OptionalInt.empty());
        assertThrows(IllegalArgumentException.class, () -> AccessControl.from(s, Map.of(), new RateLimiter(), new ServerMetrics()));
    }

    @Test
    void aNegativeReloadIntervalIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessSettings.from(ServerConfig.defaults().with(Map.of("auth.keys-reload-ms", "-1"))));
        assertTrue(e.getMessage().contains("auth.keys-reload-ms"), e.getMessage());
        assertEquals(2000, AccessSettings.from(ServerConfig.defaults()).keysReloadMs());
    }
}
