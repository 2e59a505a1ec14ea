package io.scorpio.experiments.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A table of results with named columns, written as CSV, JSON (an array of objects) and Markdown, so that
 * every experiment reports the same numbers in the three forms.
 */
public final class ResultTable {

    private final List<String> columns;
    private final List<List<Object>> rows = new ArrayList<>();

    public ResultTable(List<String> columns) {
        this.columns = List.copyOf(columns);
    }

    public ResultTable add(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException("row has " + values.length + " values for " + columns.size() + " columns");
        }
        rows.add(List.of(values));
        return this;
    }

    public List<String> columns() {
        return columns;
    }

    public List<List<Object>> rows() {
        return List.copyOf(rows);
    }

    public String toCsv() {
        StringBuilder sb = new StringBuilder(String.join(",", columns)).append('\n');
        for (List<Object> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(csvCell(row.get(i)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    public String toMarkdown() {
        StringBuilder sb = new StringBuilder("| ").append(String.join(" | ", columns)).append(" |\n|");
        for (String c : columns) {
            sb.append(isNumericColumn(c) ? "---:|" : "---|");
        }
        sb.append('\n');
        for (List<Object> row : rows) {
            sb.append("| ");
            for (int i = 0; i < row.size(); i++) {
                sb.append(i > 0 ? " | " : "").append(format(row.get(i)));
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }

    public String toJson() {
        StringBuilder sb = new StringBuilder("[\n");
        for (int r = 0; r < rows.size(); r++) {
            Map<String, Object> obj = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                obj.put(columns.get(i), rows.get(r).get(i));
            }
            sb.append("  {");
            int i = 0;
            for (Map.Entry<String, Object> e : obj.entrySet()) {
                sb.append(i++ > 0 ? ", " : "").append(jsonString(e.getKey())).append(": ").append(jsonValue(e.getValue()));
            }
            sb.append(r + 1 < rows.size() ? "},\n" : "}\n");
        }
        return sb.append("]\n").toString();
    }

    /** Writes {@code name.csv}, {@code name.json} and {@code name.md} into {@code dir}. */
    public void writeAll(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".csv"), toCsv());
        Files.writeString(dir.resolve(name + ".json"), toJson());
        Files.writeString(dir.resolve(name + ".md"), toMarkdown());
    }

    private boolean isNumericColumn(String column) {
        int i = columns.indexOf(column);
        return !rows.isEmpty() && rows.stream().allMatch(r -> r.get(i) instanceof Number);
    }

    static String format(Object v) {
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) {
                return "n/a";
            }
            return Math.abs(d) >= 100 || d == Math.rint(d) && Math.abs(d) < 1e6
                    ? String.format(Locale.ROOT, "%.1f", d) : String.format(Locale.ROOT, "%.3f", d);
        }
        return String.valueOf(v);
    }

    private static String csvCell(Object v) {
        String s = v instanceof Double d ? Double.toString(d) : String.valueOf(v);
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    private static String jsonValue(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? (v instanceof Double || v instanceof Float ? Double.toString(d) : n.toString()) : "null";
        }
        if (v instanceof Boolean) {
            return v.toString();
        }
        return jsonString(Objects.toString(v));
    }

    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return sb.append('"').toString();
    }
}
