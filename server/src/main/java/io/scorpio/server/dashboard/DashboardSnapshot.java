package io.scorpio.server.dashboard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.scorpio.model.Slo;
import io.scorpio.server.metrics.ServerMetrics;
import io.scorpio.server.metrics.SloClassMeters;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The JSON the dashboard page polls, read from the very meters that {@code /metrics} exposes (so the numbers agree
 * by construction): request outcomes, goodput and adherence per SLO class, rejections by reason, the TTFT and TPOT
 * histograms with the class targets, and the guard's gauges per engine. Health of engines and the cluster's
 * members are passed in, since they come from the event bus and Hazelcast.
 */
public final class DashboardSnapshot {

    private DashboardSnapshot() {
    }

    /** An engine's worker health as last asked; null when it did not answer. */
    public record EngineHealth(int engine, Boolean healthy) {
    }

    /**
     * A member of the cluster; {@code healthy}: it answers, and an engine of it is in service, as its snapshots,
     * renewed in time, say.
     */
    public record Node(String id, String address, boolean self, boolean healthy) {
    }

    public static JsonObject build(ServerMetrics metrics, JsonObject node, List<EngineHealth> health, List<Node> nodes) {
        MeterRegistry registry = metrics.registry();
        SloClassMeters classMeters = metrics.sloClasses();

        // Outcomes over all requests, and rejections by reason (scorpio_requests_total{outcome,reason}).
        Map<String, Long> outcomes = new LinkedHashMap<>();
        for (String o : List.of("completed", "rejected", "aborted", "failed")) {
            outcomes.put(o, 0L);
        }
        Map<String, Long> rejections = new TreeMap<>();
        for (Counter c : registry.find("scorpio_requests").counters()) {
            String outcome = c.getId().getTag("outcome");
            long n = count(c);
            outcomes.merge(outcome, n, Long::sum);
            if ("rejected".equals(outcome)) {
                rejections.merge(c.getId().getTag("reason"), n, Long::sum);
            }
        }
        long requests = outcomes.values().stream().mapToLong(Long::longValue).sum();
        long goodput = sum(registry.find("scorpio_goodput_requests").counters());
        long httpErrors = sum(registry.find("scorpio_http_errors").counters());
        JsonObject totals = new JsonObject().put("requests", requests).put("goodput", goodput)
                .put("adherence", requests == 0 ? null : (double) goodput / requests).put("http_errors", httpErrors);
        outcomes.forEach(totals::put);

        // Per SLO class (scorpio_slo_class_requests_total, scorpio_slo_class_goodput_requests_total).
        Map<String, JsonObject> classes = new LinkedHashMap<>();
        classMeters.classes().forEach((name, slo) -> classes.put(name, classRow(name, slo)));
        for (Counter c : registry.find(SloClassMeters.REQUESTS).counters()) {
            String name = c.getId().getTag("slo_class");
            JsonObject row = classes.computeIfAbsent(name, k -> classRow(k, k.equals(SloClassMeters.DEFAULT)
                    ? classMeters.defaultSlo() : null));
            long n = count(c);
            row.put("requests", row.getLong("requests") + n);
            String outcome = c.getId().getTag("outcome");
            row.put(outcome, row.getLong(outcome, 0L) + n);
        }
        for (Counter c : registry.find(SloClassMeters.GOODPUT).counters()) {
            String name = c.getId().getTag("slo_class");
            JsonObject row = classes.computeIfAbsent(name, k -> classRow(k, null));
            row.put("goodput", row.getLong("goodput") + count(c));
        }
        JsonArray classArray = new JsonArray();
        for (JsonObject row : classes.values()) {
            long n = row.getLong("requests");
            row.put("adherence", n == 0 ? null : (double) row.getLong("goodput") / n);
            classArray.add(row);
        }

        JsonArray rejectArray = new JsonArray();
        rejections.forEach((reason, n) -> rejectArray.add(new JsonObject().put("reason", reason).put("count", n)));

        // Guard gauges and engine steps, per engine.
        Map<Integer, JsonObject> engines = new TreeMap<>();
        for (EngineHealth h : health) {
            engines.put(h.engine(), engineRow(h.engine()).put("healthy", h.healthy()));
        }
        gauges(registry, engines, "scorpio_waiting_requests", "waiting");
        gauges(registry, engines, "scorpio_admitted_requests", "admitted");
        gauges(registry, engines, "scorpio_live_requests", "live");
        gauges(registry, engines, "scorpio_virtual_batch_size", "vbs");
        gauges(registry, engines, "scorpio_kv_blocks_used", "kv_blocks_used");
        gauges(registry, engines, "scorpio_kv_usage_ratio", "kv_usage");
        for (Counter c : registry.find("scorpio_engine_steps").counters()) {
            JsonObject row = engines.computeIfAbsent(Integer.parseInt(c.getId().getTag("engine")), DashboardSnapshot::engineRow);
            row.put("steps_" + c.getId().getTag("kind"), count(c));
        }

        JsonArray nodeArray = new JsonArray();
        for (Node n : nodes) {
            nodeArray.add(new JsonObject().put("id", n.id()).put("address", n.address()).put("self", n.self())
                    .put("healthy", n.healthy()));
        }

        return new JsonObject()
                .put("time_ms", System.currentTimeMillis())
                .put("node", node)
                .put("totals", totals)
                .put("classes", classArray)
                .put("rejections", rejectArray)
                .put("ttft", histogram(registry, "scorpio_ttft", classes, "ttft_ms"))
                .put("tpot", histogram(registry, "scorpio_tpot", classes, "tpot_ms"))
                .put("engines", new JsonArray(List.copyOf(engines.values())))
                .put("nodes", nodeArray)
                .put("stream_consumers", metrics.openStreams().get());
    }

    private static JsonObject classRow(String name, Slo slo) {
        return new JsonObject().put("name", name)
                .put("ttft_ms", slo == null ? null : slo.ttftMs()).put("tpot_ms", slo == null ? null : slo.tpotMs())
                .put("requests", 0L).put("completed", 0L).put("rejected", 0L).put("goodput", 0L);
    }

    private static JsonObject engineRow(int engine) {
        return new JsonObject().put("engine", engine).put("healthy", null);
    }

    private static void gauges(MeterRegistry registry, Map<Integer, JsonObject> engines, String meter, String field) {
        for (Gauge g : registry.find(meter).gauges()) {
            JsonObject row = engines.computeIfAbsent(Integer.parseInt(g.getId().getTag("engine")), DashboardSnapshot::engineRow);
            double v = g.value();
            row.put(field, Double.isFinite(v) ? v : null);
            row.put("policy", g.getId().getTag("policy"));
        }
    }

    /** Cumulative bucket counts at the summary's fixed boundaries (the {@code le} buckets of /metrics). */
    private static JsonObject histogram(MeterRegistry registry, String meter, Map<String, JsonObject> classes, String targetField) {
        Timer s = registry.find(meter).timer();
        JsonObject out = new JsonObject();
        JsonArray buckets = new JsonArray();
        if (s != null) {
            HistogramSnapshot snap = s.takeSnapshot();
            for (CountAtBucket b : snap.histogramCounts()) {
                buckets.add(new JsonObject().put("le", b.bucket(TimeUnit.SECONDS)).put("count", Math.round(b.count())));
            }
            out.put("count", snap.count()).put("sum_seconds", snap.total(TimeUnit.SECONDS));
        } else {
            out.put("count", 0L).put("sum_seconds", 0.0);
        }
        JsonArray targets = new JsonArray();
        for (JsonObject row : classes.values()) {
            Double ms = row.getDouble(targetField);
            if (ms != null) {
                targets.add(new JsonObject().put("slo_class", row.getString("name")).put("seconds", ms / 1000.0));
            }
        }
        return out.put("buckets", buckets).put("targets", targets);
    }

    private static long count(Counter c) {
        return Math.round(c.count());
    }

    private static long sum(java.util.Collection<Counter> counters) {
        long n = 0;
        for (Counter c : counters) {
            n += count(c);
        }
        return n;
    }
}
