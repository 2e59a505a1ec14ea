#!/usr/bin/env python3
"""Evaluates every query of scorpio-dashboard.json against a running Prometheus that scrapes a Scorpio node.

    python3 infra/grafana/tools/check_queries.py [http://127.0.0.1:9090]

Grafana's variables are replaced ($job, $instance: .*; $__rate_interval: 30s; $__range: 5m). Prints each query
with its number of series; exits 1 if any query fails to parse or evaluate (an empty result is reported, not an
error: failures and refused input are empty until some happen).
"""
import json
import os
import sys
import urllib.parse
import urllib.request

prom = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:9090"
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scorpio-dashboard.json")
dashboard = json.load(open(path, encoding="utf-8"))
errors = 0
for panel in dashboard["panels"]:
    for t in panel.get("targets", []):
        expr = (t["expr"].replace("$job", ".*").replace("$instance", ".*")
                .replace("$__rate_interval", "30s").replace("$__range", "5m"))
        try:
            r = json.load(urllib.request.urlopen(prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})))
            ok, n = r["status"] == "success", len(r["data"]["result"])
        except Exception as e:  # a 400 carries Prometheus' parse error
            ok, n = False, str(e)
        errors += 0 if ok else 1
        print("OK   " if ok else "FAIL ", str(n).rjust(3), panel["title"], "|", expr)
print(f"{errors} failing queries")
sys.exit(1 if errors else 0)
