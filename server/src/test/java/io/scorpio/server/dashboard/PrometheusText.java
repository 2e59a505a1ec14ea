package io.scorpio.server.dashboard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A small reader of Prometheus text exposition, enough to compare the dashboard's numbers with /metrics. */
public final class PrometheusText {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})?\\s+(\\S+).*$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final List<Sample> samples = new ArrayList<>();

    public PrometheusText(String text) {
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
    }

    /** The sum of a metric's samples whose labels include all of {@code match} (key, value, key, value...). */
    public long sum(String name, String... match) {
        double total = 0;
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s.labels(), match)) {
                total += s.value();
            }
        }
        return Math.round(total);
    }

    public double value(String name, String... match) {
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s.labels(), match)) {
                return s.value();
            }
        }
        throw new AssertionError("no sample " + name + " " + String.join(",", match) + " in /metrics");
    }

    /** The values of one label over a metric's samples that match. */
    List<String> labelValues(String name, String label, String... match) {
        List<String> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s.labels(), match) && s.labels().containsKey(label)
                    && !out.contains(s.labels().get(label))) {
                out.add(s.labels().get(label));
            }
        }
        return out;
    }

    private static boolean matches(Map<String, String> labels, String[] match) {
        for (int i = 0; i + 1 < match.length; i += 2) {
            if (!match[i + 1].equals(labels.get(match[i]))) {
                return false;
            }
        }
        return true;
    }
}
