package io.scorpio.server.logging;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.System.Logger.Level;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * One logging pipeline for the whole node. The code logs through {@link System.Logger}; its default backend,
 * java.util.logging, is what this class configures, and everything else is routed into it: SLF4J users (DJL) through
 * {@code slf4j-jdk14}, Vert.x through SLF4J, Hazelcast through its {@code jdk} logging type. Every line carries a
 * UTC timestamp, the level, the thread and the logger's name; {@code log.format=json} writes one JSON object per
 * line for log shippers instead.
 */
public final class LogSetup {

    /** How each line looks. */
    public enum Format {
        TEXT, JSON;

        public static Format parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "text" -> TEXT;
                case "json" -> JSON;
                default -> throw new IllegalArgumentException("log.format must be 'text' or 'json', not '" + s + "'");
            };
        }
    }

    /**
     * Libraries that talk at INFO about what only matters when debugging them: Hazelcast its member lists and
     * partition tables, DJL the native library it picked and, on a machine without a GPU, that it found no CUDA
     * driver. Below {@code log.level=debug} they log only this severe. The loggers are held here so that
     * java.util.logging, which keeps loggers weakly, does not drop their levels.
     */
    private static final Map<Logger, java.util.logging.Level> QUIET = Map.of(
            Logger.getLogger("com.hazelcast"), java.util.logging.Level.WARNING,
            Logger.getLogger("ai.djl"), java.util.logging.Level.WARNING,
            Logger.getLogger("ai.djl.util.cuda"), java.util.logging.Level.SEVERE);

    private LogSetup() {
    }

    /** Parses a level name as {@link System.Logger.Level} spells it ({@code info}, {@code debug}, ...). */
    public static Level parseLevel(String s) {
        try {
            return Level.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("log.level must be one of trace, debug, info, warning, error, off; not '"
                    + s + "'");
        }
    }

    /** The installed line format, for {@link #shutdownLine}. */
    private static volatile java.util.logging.Formatter installed = new TextLines();

    /**
     * Writes one log line straight to standard error, in the installed format. For the shutdown hook: java.util.logging's
     * LogManager resets (removes) every handler in a shutdown hook of its own, so a line logged the usual way while the
     * node drains may be lost.
     */
    public static void shutdownLine(System.Logger.Level level, String loggerName, String message) {
        LogRecord record = new LogRecord(toJul(level), message);
        record.setLoggerName(loggerName);
        System.err.print(installed.format(record));
        System.err.flush();
    }

    /** Replaces java.util.logging's handlers with one that writes {@code format} lines to standard error. */
    public static void install(Format format, Level level) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        java.util.logging.Level julLevel = toJul(level);
        root.setLevel(julLevel);
        installed = format == Format.JSON ? new JsonLines() : new TextLines();
        // The LogManager's reset at exit closes its handlers, and a StreamHandler closes its stream: standard error must
        // stay open for the shutdown hook's lines, so the handler's close only flushes it.
        java.io.OutputStream stderr = new java.io.FilterOutputStream(System.err) {
            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws java.io.IOException {
                flush();
            }
        };
        Handler handler = new StreamHandler(stderr, installed) {
            @Override
            public synchronized void publish(LogRecord record) {
                super.publish(record);
                flush(); // a line must reach the log as it happens, not when a buffer fills
            }
        };
        handler.setLevel(java.util.logging.Level.ALL);
        root.addHandler(handler);
        boolean debugging = julLevel.intValue() < java.util.logging.Level.INFO.intValue();
        QUIET.forEach((logger, quiet) -> logger.setLevel(debugging ? julLevel : quiet));
    }

    static java.util.logging.Level toJul(Level level) {
        return switch (level) {
            case ALL -> java.util.logging.Level.ALL;
            case TRACE -> java.util.logging.Level.FINER;
            case DEBUG -> java.util.logging.Level.FINE;
            case INFO -> java.util.logging.Level.INFO;
            case WARNING -> java.util.logging.Level.WARNING;
            case ERROR -> java.util.logging.Level.SEVERE;
            case OFF -> java.util.logging.Level.OFF;
        };
    }

    /** The System.Logger name of a java.util.logging level, so both formats speak one vocabulary. */
    static String levelName(java.util.logging.Level jul) {
        int v = jul.intValue();
        if (v >= java.util.logging.Level.SEVERE.intValue()) {
            return "ERROR";
        } else if (v >= java.util.logging.Level.WARNING.intValue()) {
            return "WARN";
        } else if (v >= java.util.logging.Level.INFO.intValue()) {
            return "INFO";
        } else if (v >= java.util.logging.Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** {@code 2026-12-04T03:21:38.123Z INFO  [main] io.scorpio.server.Launcher: message}, then any stack trace. */
    static final class TextLines extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder(160)
                    .append(TIME.format(r.getInstant())).append(' ')
                    .append(String.format(Locale.ROOT, "%-5s", levelName(r.getLevel())))
                    .append(" [").append(Thread.currentThread().getName()).append("] ")
                    .append(r.getLoggerName()).append(": ").append(formatMessage(r)).append(System.lineSeparator());
            if (r.getThrown() != null) {
                b.append(stackTrace(r.getThrown()));
            }
            return b.toString();
        }
    }

    /** One JSON object per line: time, level, thread, logger, message and, when there is one, the stack trace. */
    static final class JsonLines extends Formatter {
        @Override
        public String format(LogRecord r) {
            JsonObject line = new JsonObject()
                    .put("time", TIME.format(r.getInstant()))
                    .put("level", levelName(r.getLevel()))
                    .put("thread", Thread.currentThread().getName())
                    .put("logger", r.getLoggerName())
                    .put("message", formatMessage(r));
            if (r.getThrown() != null) {
                line.put("error", String.valueOf(r.getThrown())).put("stack", stackTrace(r.getThrown()));
            }
            return line.encode() + System.lineSeparator();
        }
    }
}
