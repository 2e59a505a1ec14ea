package io.scorpio.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The two line formats a node writes: readable text, or one JSON object per line for log shippers. */
class LogSetupTest {

    private static LogRecord record(java.util.logging.Level level, String message, Object... params) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName("io.scorpio.server.Example");
        r.setInstant(Instant.parse("2026-12-04T03:21:38.123456Z"));
        r.setParameters(params);
        return r;
    }

    @Test
    void aTextLineCarriesTimestampLevelThreadLoggerAndMessage() {
        String line = new LogSetup.TextLines().format(record(java.util.logging.Level.WARNING, "engine {0} failed", 3));
        String thread = Thread.currentThread().getName();
        assertEquals("2026-12-04T03:21:38.123Z WARN  [" + thread + "] io.scorpio.server.Example: engine 3 failed"
                + System.lineSeparator(), line);
    }

    @Test
    void aJsonLineIsOneObjectWithTheSameFieldsAndTheStackTraceWhenThereIsOne() {
        LogRecord r = record(java.util.logging.Level.SEVERE, "stop failed: \"quoted\"\nsecond line");
        r.setThrown(new IllegalStateException("boom"));
        String line = new LogSetup.JsonLines().format(r);
        assertTrue(line.endsWith(System.lineSeparator()));
        assertEquals(1, line.strip().lines().count(), "one line, newlines escaped: " + line);
        JsonObject json = new JsonObject(line);
        assertEquals("2026-12-04T03:21:38.123Z", json.getString("time"));
        assertEquals("ERROR", json.getString("level"));
        assertEquals("io.scorpio.server.Example", json.getString("logger"));
        assertEquals("stop failed: \"quoted\"\nsecond line", json.getString("message"));
        assertEquals("java.lang.IllegalStateException: boom", json.getString("error"));
        assertTrue(json.getString("stack").contains("LogSetupTest"), json.getString("stack"));
    }

    @Test
    void levelsAreNamedAsSystemLoggerNamesThem() {
        assertEquals("DEBUG", LogSetup.levelName(java.util.logging.Level.FINE));
        assertEquals("TRACE", LogSetup.levelName(java.util.logging.Level.FINEST));
        assertEquals("INFO", LogSetup.levelName(java.util.logging.Level.INFO));
        assertEquals(java.util.logging.Level.FINE, LogSetup.toJul(Level.DEBUG));
        assertEquals(Level.WARNING, LogSetup.parseLevel(" Warning "));
    }

    @Test
    void unknownFormatsAndLevelsAreRefusedByName() {
        var f = assertThrows(IllegalArgumentException.class, () -> LogSetup.Format.parse("xml"));
        assertTrue(f.getMessage().contains("log.format"), f.getMessage());
        var l = assertThrows(IllegalArgumentException.class, () -> LogSetup.parseLevel("verbose"));
        assertTrue(l.getMessage().contains("log.level"), l.getMessage());
        assertEquals(LogSetup.Format.JSON, LogSetup.Format.parse("JSON"));
    }
}
