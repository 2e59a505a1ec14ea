#!/usr/bin/env python3
"""Writes infra/grafana/scorpio-dashboard.json: the Grafana dashboard over Scorpio's Prometheus metrics.

The JSON is generated so that panel ids and grid positions stay consistent; edit this file and rerun
(python3 infra/grafana/tools/make_dashboard.py), or edit the JSON in Grafana and export it over the file.
Meter names are those of GET /metrics (server: ServerMetrics, SloClassMeters, GuardVerticle).
"""
import json
import os

DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job=~"$job", instance=~"$instance"'
RI = "$__rate_interval"

panels = []
_next_id = [1]
_y = [0]


def _id():
    i = _next_id[0]
    _next_id[0] += 1
    return i


def row(title):
    panels.append({"type": "row", "title": title, "id": _id(), "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": _y[0]}, "panels": []})
    _y[0] += 1


def target(expr, legend, ref, instant=False):
    t = {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": ref, "range": not instant}
    if instant:
        t["instant"] = True
        t["format"] = "table"
    return t


def timeseries(title, exprs, x, w, h=8, unit="short", desc="", stack=False, minv=0, maxv=None):
    fc = {"defaults": {"unit": unit, "min": minv, "custom": {"drawStyle": "line", "lineWidth": 2, "fillOpacity": 10,
                                                            "showPoints": "never",
                                                            "stacking": {"mode": "normal" if stack else "none"}}},
          "overrides": []}
    if maxv is not None:
        fc["defaults"]["max"] = maxv
    panels.append({"type": "timeseries", "title": title, "description": desc, "id": _id(), "datasource": DS,
                   "gridPos": {"h": h, "w": w, "x": x, "y": _y[0]}, "fieldConfig": fc,
                   "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                               "tooltip": {"mode": "multi", "sort": "desc"}},
                   "targets": [target(e, l, chr(65 + i)) for i, (e, l) in enumerate(exprs)]})


def stat(title, expr, x, w, unit="short", desc="", decimals=None, thresholds=None):
    fc = {"defaults": {"unit": unit, "color": {"mode": "thresholds"},
                       "thresholds": {"mode": "absolute", "steps": thresholds or [{"color": "blue", "value": None}]}},
          "overrides": []}
    if decimals is not None:
        fc["defaults"]["decimals"] = decimals
    panels.append({"type": "stat", "title": title, "description": desc, "id": _id(), "datasource": DS,
                   "gridPos": {"h": 4, "w": w, "x": x, "y": _y[0]}, "fieldConfig": fc,
                   "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                               "colorMode": "background", "graphMode": "area", "textMode": "auto"},
                   "targets": [target(expr, "", "A")]})


def table(title, exprs, x, w, h=8, desc=""):
    panels.append({"type": "table", "title": title, "description": desc, "id": _id(), "datasource": DS,
                   "gridPos": {"h": h, "w": w, "x": x, "y": _y[0]}, "fieldConfig": {"defaults": {}, "overrides": []},
                   "options": {"showHeader": True},
                   "transformations": [{"id": "merge", "options": {}},
                                       {"id": "organize", "options": {"excludeByName": {"Time": True, "__name__": True}}}],
                   "targets": [target(e, l, chr(65 + i), instant=True) for i, (e, l) in enumerate(exprs)]})


def down(h):
    _y[0] += h


ADH_GREEN = [{"color": "red", "value": None}, {"color": "orange", "value": 0.5}, {"color": "green", "value": 0.9}]

# ---- overview
row("Overview")
stat("Requests / s", f'sum(rate(scorpio_requests_total{{{SEL}}}[{RI}]))', 0, 4, "reqps", decimals=2)
stat("Goodput (req/s)", f'sum(rate(scorpio_goodput_requests_total{{{SEL}}}[{RI}]))', 4, 4, "reqps",
     "completed requests that met both their TTFT and TPOT targets, per second", decimals=2)
stat("SLO adherence (5 m)", f'sum(increase(scorpio_goodput_requests_total{{{SEL}}}[5m])) / '
     f'sum(increase(scorpio_requests_total{{{SEL}}}[5m]))', 8, 4, "percentunit",
     "requests that met both targets / all requests that ended, over the last 5 minutes", 1, ADH_GREEN)
stat("Rejected / s", f'sum(rate(scorpio_requests_total{{{SEL}, outcome="rejected"}}[{RI}]))', 12, 4, "reqps", decimals=2)
stat("Nodes up", f'sum(up{{{SEL}}})', 16, 4, "short", "Scorpio nodes whose /metrics Prometheus scraped successfully",
     thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}])
stat("Workers", f'count(scorpio_waiting_requests{{{SEL}}})', 20, 4, "short", "engines (workers) reporting guard gauges")
down(4)

# ---- SLO classes
row("SLO classes")
timeseries("Goodput per SLO class", [(f'sum by (slo_class) (rate(scorpio_slo_class_goodput_requests_total{{{SEL}}}[{RI}]))',
                                      "class {{slo_class}}")], 0, 12, unit="reqps",
           desc="completed requests within both targets per second; a request belongs to the configured class whose "
                "targets it carries (default / custom otherwise)")
timeseries("SLO adherence per class (5 m)",
           [(f'sum by (slo_class) (increase(scorpio_slo_class_goodput_requests_total{{{SEL}}}[5m])) / '
             f'sum by (slo_class) (increase(scorpio_slo_class_requests_total{{{SEL}}}[5m]))', "class {{slo_class}}")],
           12, 12, unit="percentunit", maxv=1, desc="met both targets / all requests of the class that ended")
down(8)
timeseries("Requests per class by outcome",
           [(f'sum by (slo_class, outcome) (rate(scorpio_slo_class_requests_total{{{SEL}}}[{RI}]))',
             "{{slo_class}} {{outcome}}")], 0, 12, unit="reqps", stack=True)
timeseries("Outcomes", [(f'sum by (outcome) (rate(scorpio_requests_total{{{SEL}}}[{RI}]))', "{{outcome}}")], 12, 12,
           unit="reqps", stack=True, desc="completed, rejected, aborted (client gone), failed")
down(8)

# ---- latency
row("Latency against targets")
for i, (name, short, targets) in enumerate([("scorpio_ttft_seconds", "TTFT", ["0.5", "1.0", "2.0", "3.0", "7.5"]),
                                            ("scorpio_tpot_seconds", "TPOT", ["0.03", "0.05"])]):
    timeseries(f"{short} quantiles", [
        (f'histogram_quantile({q}, sum by (le) (rate({name}_bucket{{{SEL}}}[{RI}])))', f"p{int(float(q) * 100)}")
        for q in ("0.5", "0.9", "0.99")], 12 * i, 12, unit="s",
        desc=f"{short} as the client sees it, from the histogram's buckets")
down(8)
for i, (name, short, targets) in enumerate([("scorpio_ttft_seconds", "TTFT", ["0.5", "1.0", "2.0", "3.0", "7.5"]),
                                            ("scorpio_tpot_seconds", "TPOT", ["0.03", "0.05"])]):
    timeseries(f"Share of completed requests within each {short} target", [
        (f'sum(rate({name}_bucket{{{SEL}, le="{le}"}}[{RI}])) / sum(rate({name}_count{{{SEL}}}[{RI}]))', f"≤ {le} s")
        for le in targets], 12 * i, 12, unit="percentunit", maxv=1,
        desc="the class targets are bucket bounds: TTFT 0.5 s (classes 1, 4), 1 s (5), 2 s (2), 3 s (3), 7.5 s (6); "
             "TPOT 30 ms (1-3), 50 ms (4-6)")
down(8)
panels.append({"type": "bargauge", "title": "TTFT distribution (requests per bucket, range)", "id": _id(), "datasource": DS,
               "gridPos": {"h": 8, "w": 12, "x": 0, "y": _y[0]},
               "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
               "options": {"displayMode": "gradient", "orientation": "vertical",
                           "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
               "targets": [{"datasource": DS, "expr": f'sum by (le) (increase(scorpio_ttft_seconds_bucket{{{SEL}}}[$__range]))',
                            "legendFormat": "{{le}}", "refId": "A", "format": "heatmap", "instant": True}]})
panels.append({"type": "bargauge", "title": "TPOT distribution (requests per bucket, range)", "id": _id(), "datasource": DS,
               "gridPos": {"h": 8, "w": 12, "x": 12, "y": _y[0]},
               "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
               "options": {"displayMode": "gradient", "orientation": "vertical",
                           "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
               "targets": [{"datasource": DS, "expr": f'sum by (le) (increase(scorpio_tpot_seconds_bucket{{{SEL}}}[$__range]))',
                            "legendFormat": "{{le}}", "refId": "A", "format": "heatmap", "instant": True}]})
down(8)

# ---- rejections
row("Rejections and errors")
timeseries("Rejections by reason", [(f'sum by (reason) (rate(scorpio_requests_total{{{SEL}, outcome="rejected"}}[{RI}]))',
                                     "{{reason}}")], 0, 12, unit="reqps", stack=True,
           desc="slo_unattainable_ttft / _tpot (503), prompt_too_long, kv_capacity_exceeded (400)")
timeseries("Failures and refused input", [
    (f'sum by (reason) (rate(scorpio_requests_total{{{SEL}, outcome="failed"}}[{RI}]))', "failed: {{reason}}"),
    (f'sum by (status, type) (rate(scorpio_http_errors_total{{{SEL}}}[{RI}]))', "{{status}} {{type}}")], 12, 12,
    unit="reqps", stack=True)
down(8)

# ---- workers
row("Workers (guard state per engine)")
timeseries("Waiting queue", [(f'scorpio_waiting_requests{{{SEL}}}', "{{instance}} engine {{engine}}")], 0, 8)
timeseries("Virtual batch size", [(f'scorpio_virtual_batch_size{{{SEL}}}', "{{instance}} engine {{engine}}")], 8, 8,
           desc="VBS: the sum of TRP over the admitted set (TPOT Guard)")
timeseries("KV-cache usage", [(f'scorpio_kv_usage_ratio{{{SEL}}}', "{{instance}} engine {{engine}}")], 16, 8,
           unit="percentunit", maxv=1)
down(8)
timeseries("Admitted and live requests", [(f'scorpio_admitted_requests{{{SEL}}}', "admitted {{instance}} engine {{engine}}"),
                                          (f'scorpio_live_requests{{{SEL}}}', "live {{instance}} engine {{engine}}")], 0, 12)
timeseries("Engine steps / s", [(f'sum by (instance, engine, kind) (rate(scorpio_engine_steps_total{{{SEL}}}[{RI}]))',
                                 "{{instance}} engine {{engine}} {{kind}}")], 12, 12, unit="ops")
down(8)

# ---- cluster
row("Cluster")
table("Nodes", [(f'up{{{SEL}}}', "up"), (f'scorpio_stream_consumers{{{SEL}}}', "streams"),
                (f'scorpio_registry_entries{{{SEL}}}', "registry")], 0, 12,
      desc="Value #A: 1 when Prometheus scraped the node; #B open token streams; #C its live entries in the Hazelcast registry")
table("Workers", [(f'scorpio_waiting_requests{{{SEL}}}', "waiting"), (f'scorpio_credits_enabled{{{SEL}}}', "credits"),
                  (f'scorpio_kv_usage_ratio{{{SEL}}}', "kv")], 12, 12,
      desc="one row per node and engine: #A waiting, #B credit-based batching on (1) or off, #C KV usage")
down(8)

# ---- faults and placement
row("Faults and placement")
timeseries("Workers in service", [(f'scorpio_worker_healthy{{{SEL}}}', "{{instance}} engine {{engine}}")], 0, 8, maxv=1,
           desc="1 while the engine's worker is in service, 0 while it is out after a failure (its queue waits)")
timeseries("Worker failures and health probes", [
    (f'sum by (instance, engine) (increase(scorpio_worker_failures_total{{{SEL}}}[{RI}]))', "failed {{instance}} engine {{engine}}"),
    (f'sum by (instance, engine) (increase(scorpio_worker_retries_total{{{SEL}}}[{RI}]))', "probed {{instance}} engine {{engine}}")],
    8, 8, desc="steps in which a worker failed (died, unreachable, hung), and the back-off probes while it is out")
timeseries("Requests placed again", [
    (f'sum by (reason) (increase(scorpio_requests_replaced_total{{{SEL}}}[{RI}]))', "{{reason}}"),
    (f'sum by (peer) (increase(scorpio_cluster_node_silent_total{{{SEL}}}[{RI}]))', "silent: {{peer}}")], 16, 8,
    desc="requests placed again before their first token because their node left (node_left), stopped answering "
         "(node_silent) or shut down (node_draining), or their worker went out (worker_out_of_service); and the times a "
         "node stopped answering within "
         "cluster.submit-timeout-ms, by peer")
down(8)
timeseries("Placement latency", [
    (f'histogram_quantile({q}, sum by (le, scope, where) (rate(scorpio_placement_latency_seconds_bucket{{{SEL}}}[{RI}])))',
     f"p{int(float(q) * 100)} {{{{scope}}}} {{{{where}}}}") for q in ("0.5", "0.99")], 0, 12, unit="s",
    desc="from asking where to place a request to the chosen guard's answer; scope: local (a node alone) or cluster; where: local (its entry node) or remote")
timeseries("Round trip to other nodes (p50)", [
    (f'histogram_quantile(0.5, sum by (le, instance, peer) (rate(scorpio_cluster_round_trip_seconds_bucket{{{SEL}}}[{RI}])))',
     "{{instance}} to {{peer}}")], 12, 12, unit="s",
    desc="clustered event bus round trip to another node's guard, probed every second: the floor of a placement "
         "that moves a request there")
down(8)

dashboard = {
    "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus",
                  "pluginName": "Prometheus"}],
    "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.0.0"},
                   {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"}],
    "uid": "scorpio-overview",
    "title": "Scorpio: SLO-oriented LLM serving",
    "description": "Goodput and SLO adherence per class, TTFT/TPOT against targets, rejections, guard state per "
                   "worker and cluster health, over the metrics of Scorpio's GET /metrics.",
    "tags": ["scorpio", "llm", "slo"],
    "timezone": "browser",
    "editable": True,
    "graphTooltip": 1,
    "schemaVersion": 39,
    "version": 1,
    "refresh": "5s",
    "time": {"from": "now-30m", "to": "now"},
    "templating": {"list": [
        {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0, "refresh": 1},
        {"name": "job", "label": "job", "type": "query", "datasource": DS,
         "query": {"query": "label_values(scorpio_requests_total, job)", "refId": "job"},
         "definition": "label_values(scorpio_requests_total, job)",
         "includeAll": True, "multi": True, "allValue": ".*", "current": {}, "refresh": 2, "sort": 1},
        {"name": "instance", "label": "node", "type": "query", "datasource": DS,
         "query": {"query": 'label_values(scorpio_requests_total{job=~"$job"}, instance)', "refId": "instance"},
         "definition": 'label_values(scorpio_requests_total{job=~"$job"}, instance)',
         "includeAll": True, "multi": True, "allValue": ".*", "current": {}, "refresh": 2, "sort": 1},
    ]},
    "annotations": {"list": []},
    "links": [],
    "panels": panels,
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scorpio-dashboard.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump(dashboard, f, indent=2, ensure_ascii=False)
    f.write("\n")
print("wrote", os.path.normpath(out), "with", len(panels), "panels")
