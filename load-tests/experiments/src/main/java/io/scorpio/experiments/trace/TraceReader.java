package io.scorpio.experiments.trace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorpio.model.Slo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a request trace: CSV with a header row, or JSON Lines (one object per line; files ending in .jsonl, .ndjson
 * or .json, or whose first line starts with '{'). One request per row; see {@link TraceColumns} for the columns.
 *
 * <p>Arrival times may be absolute timestamps ({@code 2023-11-16 18:15:46.6805900}, ISO-8601 with or without a
 * zone; kept to the microsecond) or numbers from any origin, in seconds or milliseconds (see {@link TimeUnit}).
 * Arrivals are made relative to the earliest row, and rows are put in arrival order (stable, so rows of equal time
 * keep file order). Every unreadable row is reported with its file, line and reason, and the read fails; so does a
 * trace without rows.
 */
public final class TraceReader {

    /** How numeric arrival times are read. */
    public enum TimeUnit {
        /**
         * By the column's name: names ending in "ms" are milliseconds; "timestamp" is milliseconds in JSON Lines
         * (Mooncake's traces) and seconds in CSV (BurstGPT's); anything else is seconds.
         */
        AUTO, SECONDS, MILLISECONDS;

        public static TimeUnit parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> AUTO;
                case "s", "sec", "seconds" -> SECONDS;
                case "ms", "milliseconds" -> MILLISECONDS;
                default -> throw new TraceException("--time-unit: expected s, ms or auto, found '" + s + "'");
            };
        }
    }

    /** What was read: the rows in arrival order, and which column was taken for what. */
    public record Trace(String file, TraceColumns columns, List<TraceRow> rows) {
        public boolean hasArrivals() {
            return columns.has(TraceColumns.Role.ARRIVAL);
        }
    }

    /** How many bad rows one error message lists before it only counts the rest. */
    static final int MAX_LISTED_ERRORS = 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private TraceReader() {
    }

    public static Trace read(Path file) {
        return read(file, Map.of(), TimeUnit.AUTO);
    }

    /**
     * @param columns  explicit column names by role option ({@link TraceColumns#parseOverrides}); may be empty
     * @param timeUnit how numeric arrival times are read
     */
    public static Trace read(Path file, Map<String, String> columns, TimeUnit timeUnit) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TraceException("cannot read the trace " + file + ": " + e);
        }
        String name = file.toString();
        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) {
            first++;
        }
        if (first == lines.size()) {
            throw new TraceException(name + ": the trace is empty");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        boolean json = lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json")
                || lines.get(first).stripLeading().startsWith("{");
        return json ? readJsonLines(name, lines, first, columns, timeUnit) : readCsv(name, lines, first, columns, timeUnit);
    }

    // ---- CSV ----

    private static Trace readCsv(String file, List<String> lines, int headerLine, Map<String, String> overrides,
                                 TimeUnit unit) {
        List<String> header = splitCsv(stripBom(lines.get(headerLine))).stream().map(String::trim).toList();
        TraceColumns cols = TraceColumns.detect(file, header, overrides);
        int[] index = new int[TraceColumns.Role.values().length];
        for (TraceColumns.Role r : TraceColumns.Role.values()) {
            index[r.ordinal()] = cols.has(r) ? header.indexOf(cols.name(r)) : -1;
        }
        RowParser parser = new RowParser(file, cols, unit, false);
        for (int i = headerLine + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int lineNo = i + 1;
            List<String> cells = splitCsv(line);
            parser.add(parser.parse(lineNo, role -> {
                int at = index[role.ordinal()];
                if (at < 0) {
                    return null;
                }
                if (at >= cells.size()) {
                    throw new IllegalArgumentException("has " + cells.size() + " fields, the header " + header.size());
                }
                return cells.get(at);
            }));
        }
        return parser.trace();
    }

    /** Splits one CSV line; double quotes group a field (commas inside kept) and "" is a quote. */
    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        out.add(cell.toString());
        return out;
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    // ---- JSON Lines ----

    private static Trace readJsonLines(String file, List<String> lines, int first, Map<String, String> overrides,
                                       TimeUnit unit) {
        // The keys of the first object name the columns; later objects may omit optional keys.
        JsonNode firstObject;
        try {
            firstObject = JSON.readTree(stripBom(lines.get(first)));
        } catch (JsonProcessingException e) {
            throw new TraceException(file + ":" + (first + 1) + ": not a JSON object: " + e.getOriginalMessage());
        }
        if (firstObject == null || !firstObject.isObject()) {
            throw new TraceException(file + ":" + (first + 1) + ": not a JSON object");
        }
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = firstObject.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        TraceColumns cols = TraceColumns.detect(file, keys, overrides);
        RowParser parser = new RowParser(file, cols, unit, true);
        for (int i = first; i < lines.size(); i++) {
            String line = stripBom(lines.get(i));
            if (line.isBlank()) {
                continue;
            }
            int lineNo = i + 1;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                parser.add(new Refused(lineNo, "not a JSON object: " + e.getOriginalMessage()));
                continue;
            }
            if (node == null || !node.isObject()) {
                parser.add(new Refused(lineNo, "not a JSON object"));
                continue;
            }
            parser.add(parser.parse(lineNo, role -> {
                JsonNode v = cols.has(role) ? node.get(cols.name(role)) : null;
                return v == null || v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString();
            }));
        }
        return parser.trace();
    }

    // ---- one row, whatever the format ----

    /** What one line of the file became: a row, or a refusal with its reason. */
    private sealed interface LineResult permits Read, Refused {
    }

    /** A row with its arrival still in the file's own clock (epoch ns for timestamps, ms for numbers). */
    private record Read(TraceRow row, boolean timestamp, long epochNanos, double numberMs) implements LineResult {
    }

    private record Refused(int line, String reason) implements LineResult {
    }

    /** Turns raw cells into rows, collecting every bad row's reason. */
    private static final class RowParser {
        private final String file;
        private final TraceColumns cols;
        private final boolean millis;
        private final List<Read> rows = new ArrayList<>();
        private final List<String> errors = new ArrayList<>();
        private int errorCount;

        RowParser(String file, TraceColumns cols, TimeUnit unit, boolean json) {
            this.file = file;
            this.cols = cols;
            this.millis = switch (unit) {
                case SECONDS -> false;
                case MILLISECONDS -> true;
                case AUTO -> {
                    String n = cols.has(TraceColumns.Role.ARRIVAL)
                            ? TraceColumns.normalise(cols.name(TraceColumns.Role.ARRIVAL)) : "";
                    yield n.endsWith("ms") || json && n.equals("timestamp");
                }
            };
        }

        void add(LineResult result) {
            if (result instanceof Read read) {
                rows.add(read);
            } else if (result instanceof Refused refused) {
                errorCount++;
                if (errors.size() < MAX_LISTED_ERRORS) {
                    errors.add(file + ":" + refused.line() + ": " + refused.reason());
                }
            }
        }

        LineResult parse(int line, java.util.function.Function<TraceColumns.Role, String> cell) {
            try {
                int prompt = tokens(cell.apply(TraceColumns.Role.PROMPT), "prompt");
                int output = tokens(cell.apply(TraceColumns.Role.OUTPUT), "output");
                String arrival = blankToNull(cell.apply(TraceColumns.Role.ARRIVAL));
                if (cols.has(TraceColumns.Role.ARRIVAL) && arrival == null) {
                    throw new IllegalArgumentException("no arrival time");
                }
                String ttft = blankToNull(cell.apply(TraceColumns.Role.TTFT));
                String tpot = blankToNull(cell.apply(TraceColumns.Role.TPOT));
                Slo slo = null;
                if (ttft != null || tpot != null) {
                    if (ttft == null || tpot == null) {
                        throw new IllegalArgumentException("gives only one of the TTFT and TPOT targets");
                    }
                    slo = new Slo(number(ttft, "TTFT target"), number(tpot, "TPOT target"));
                }
                TraceRow row = new TraceRow(line, Double.NaN, prompt, output,
                        blankToNull(cell.apply(TraceColumns.Role.SLO_CLASS)), slo,
                        blankToNull(cell.apply(TraceColumns.Role.TEXT)),
                        blankToNull(cell.apply(TraceColumns.Role.SESSION)));
                if (arrival == null) {
                    return new Read(row, false, 0, Double.NaN);
                } else if (looksLikeNumber(arrival)) {
                    double v = number(arrival, "arrival time");
                    return new Read(row, false, 0, millis ? v : v * 1000.0);
                } else {
                    return new Read(row, true, epochNanos(arrival), Double.NaN);
                }
            } catch (IllegalArgumentException e) {
                return new Refused(line, e.getMessage());
            }
        }

        Trace trace() {
            if (errorCount > 0) {
                StringBuilder sb = new StringBuilder(file + ": " + errorCount + " row(s) cannot be read:");
                errors.forEach(e -> sb.append("\n  ").append(e));
                if (errorCount > errors.size()) {
                    sb.append("\n  ... and ").append(errorCount - errors.size()).append(" more");
                }
                throw new TraceException(sb.toString());
            }
            if (rows.isEmpty()) {
                throw new TraceException(file + ": the trace has a header but no rows");
            }
            boolean timestamps = rows.get(0).timestamp();
            for (Read r : rows) {
                if (r.timestamp() != timestamps) {
                    throw new TraceException(file + ":" + r.row().line() + ": mixes timestamps and numeric times");
                }
            }
            List<TraceRow> out = new ArrayList<>(rows.size());
            if (!cols.has(TraceColumns.Role.ARRIVAL)) {
                rows.forEach(r -> out.add(r.row()));
            } else if (timestamps) {
                // Nanoseconds as long differences first, then ms: exact, and the arithmetic the Azure loader used.
                long t0 = rows.stream().mapToLong(Read::epochNanos).min().orElseThrow();
                rows.forEach(r -> out.add(r.row().withArrival((r.epochNanos() - t0) / 1e6)));
            } else {
                double t0 = rows.stream().mapToDouble(Read::numberMs).min().orElseThrow();
                rows.forEach(r -> out.add(r.row().withArrival(r.numberMs() - t0)));
            }
            out.sort(Comparator.comparingDouble(r -> Double.isNaN(r.arrivalMs()) ? 0 : r.arrivalMs()));
            return new Trace(file, cols, List.copyOf(out));
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static boolean looksLikeNumber(String s) {
        return s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    }

    private static double number(String s, String what) {
        try {
            double v = Double.parseDouble(s.trim());
            if (!Double.isFinite(v) || v < 0) {
                throw new IllegalArgumentException(what + " must be a finite number >= 0, found '" + s + "'");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not a number: '" + s + "'");
        }
    }

    /** A token count: a whole number >= 0 ("12" or "12.0"). */
    private static int tokens(String s, String what) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("no " + what + " token count");
        }
        double v = number(s, what + " token count");
        if (v != Math.rint(v) || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " token count is not a whole number: '" + s.trim() + "'");
        }
        return (int) v;
    }

    /**
     * An absolute timestamp as nanoseconds since the epoch: ISO-8601 with 'T' or a space, any number of fractional
     * digits of which the first 6 are kept (truncation: Azure's 7th digit is dropped, at most 1 us), and an optional
     * zone ('Z' or an offset); without a zone it is read as UTC, which only matters if the trace mixes zones.
     */
    static long epochNanos(String s) {
        String ts = s.trim().replace(' ', 'T');
        int dot = ts.indexOf('.');
        if (dot >= 0) {
            int end = dot + 1;
            while (end < ts.length() && Character.isDigit(ts.charAt(end))) {
                end++;
            }
            String frac = ts.substring(dot + 1, end);
            frac = frac.length() >= 6 ? frac.substring(0, 6) : (frac + "000000").substring(0, 6);
            ts = ts.substring(0, dot + 1) + frac + ts.substring(end);
        }
        try {
            boolean zoned = ts.endsWith("Z") || ts.matches(".*[+-]\\d\\d:?\\d\\d$");
            var instant = zoned ? OffsetDateTime.parse(ts).toInstant() : LocalDateTime.parse(ts).toInstant(ZoneOffset.UTC);
            return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("arrival time is neither a number nor a timestamp: '" + s.trim() + "'");
        }
    }
}
