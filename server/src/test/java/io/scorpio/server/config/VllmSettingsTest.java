package io.scorpio.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.WorkerSettings.VllmSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VllmSettingsTest {

    private static VllmSettings of(Map<String, String> flags, int engines) {
        return VllmSettings.from(ServerConfig.layered(Map.of(), flags, List.of()), "m", engines);
    }

    @Test
    void oneUrlServesEveryEngine() {
        VllmSettings s = of(Map.of("vllm.url", "http://127.0.0.1:9000/"), 3);
        assertEquals("http://127.0.0.1:9000", s.urlFor(0));
        assertEquals("http://127.0.0.1:9000", s.urlFor(2));
        assertFalse(s.priority());
    }

    @Test
    void aListGivesOneUrlPerEngine() {
        VllmSettings s = of(Map.of("vllm.url", "http://127.0.0.1:8001, http://127.0.0.1:8002/", "vllm.priority", "true"), 2);
        assertEquals(List.of("http://127.0.0.1:8001", "http://127.0.0.1:8002"), s.urls());
        assertEquals("http://127.0.0.1:8002", s.urlFor(1));
        assertTrue(s.priority());
    }

    @Test
    void aListThatDoesNotMatchTheEnginesIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> of(Map.of("vllm.url", "http://a:1,http://b:2,http://c:3"), 2));
        assertTrue(e.getMessage().contains("one per engine"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> of(Map.of("vllm.url", "127.0.0.1:8000"), 1));
        assertThrows(IllegalArgumentException.class, () -> of(Map.of("vllm.priority", "maybe"), 1));
    }
}
