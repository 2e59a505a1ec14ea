package io.scorpio.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.scorpio.model.RequestOutcome;
import io.scorpio.model.Slo;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Requests and goodput per SLO class, for per-class goodput and SLO adherence (the dashboard and Grafana).
 * A request belongs to the configured class whose targets it carries (so {@code slo_class: "4"} and
 * {@code slo: {ttft_ms: 500, tpot_ms: 50}} count alike), else to {@code default} when it carries the default SLO,
 * else to {@code custom}.
 *
 * <p>Meters: {@code scorpio_slo_class_requests_total{slo_class,outcome}} (every request once, as
 * {@code scorpio_requests_total}) and {@code scorpio_slo_class_goodput_requests_total{slo_class}} (completed
 * within both targets, as {@code scorpio_goodput_requests_total}).
 */
public final class SloClassMeters {

    public static final String REQUESTS = "scorpio_slo_class_requests";
    public static final String GOODPUT = "scorpio_slo_class_goodput_requests";
    public static final String DEFAULT = "default";
    public static final String CUSTOM = "custom";

    private final MeterRegistry registry;
    private volatile Map<String, Slo> classes = Map.of();
    private volatile Slo defaultSlo;

    SloClassMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Sets the classes (in display order) and the default SLO; registers each class's goodput counter at 0. */
    public void configure(Map<String, Slo> classes, Slo defaultSlo) {
        this.classes = new LinkedHashMap<>(classes);
        this.defaultSlo = defaultSlo;
        for (String name : classes.keySet()) {
            goodputCounter(name);
        }
    }

    public Map<String, Slo> classes() {
        return classes;
    }

    public Slo defaultSlo() {
        return defaultSlo;
    }

    /** The class a request with these targets is counted under. */
    public String classOf(Slo slo) {
        for (Map.Entry<String, Slo> e : classes.entrySet()) {
            if (same(e.getValue(), slo)) {
                return e.getKey();
            }
        }
        return defaultSlo != null && same(defaultSlo, slo) ? DEFAULT : CUSTOM;
    }

    /** A request ended (called once per request, with {@code scorpio_requests_total}). */
    public void ended(Slo slo, RequestOutcome outcome) {
        Counter.builder(REQUESTS).description("requests by SLO class and how they ended")
                .tags("slo_class", classOf(slo), "outcome", outcome.name().toLowerCase(Locale.ROOT))
                .register(registry).increment();
    }

    /** A completed request met both its targets (called with {@code scorpio_goodput_requests_total}). */
    public void met(Slo slo) {
        goodputCounter(classOf(slo)).increment();
    }

    private Counter goodputCounter(String name) {
        return Counter.builder(GOODPUT).description("completed requests that met both SLOs, by SLO class")
                .tags("slo_class", name).register(registry);
    }

    private static boolean same(Slo a, Slo b) {
        return Double.compare(a.ttftMs(), b.ttftMs()) == 0 && Double.compare(a.tpotMs(), b.tpotMs()) == 0;
    }
}
