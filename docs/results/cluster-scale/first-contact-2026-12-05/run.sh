#!/bin/bash
# A fresh three-node cluster (infra/cluster/three-node.sh) with no traffic between its nodes; node-3 is frozen
# (SIGSTOP), then 24 streamed requests enter node-1 and node-2. Prints each request's status and time, and the
# warnings node-1 and node-2 logged: "node node-2 did not answer" means a healthy node was found silent.
# Run from the repository root after `mvn -B -q package -DskipTests`; uses ports 8081-8083 and 5701-5703.
set -u
LOGS=target/cluster-logs
rm -f $LOGS/node-*.log
infra/cluster/three-node.sh --predictor=none --scheduler.max-num-seqs=4 --hazelcast.heartbeat-timeout-s=120 \
    > target/first-contact-cluster.log 2>&1 &
for _ in $(seq 1 90); do
  n=$(curl -s localhost:8081/scorpio/state | python3 -c "import json,sys; print(len(json.load(sys.stdin)['cluster_engines']))" 2>/dev/null)
  [ "$n" = "3" ] && break; sleep 1
done
sleep 2
P3=$(pgrep -f "node.id=node-3" | head -1); kill -STOP "$P3"; echo "node-3 frozen"
sleep 5
pids=""
for i in $(seq 1 24); do
  port=$((8081 + i % 2))
  ( r=$(curl -s -m 40 -o /dev/null -w "%{http_code} %{time_total}" localhost:$port/v1/completions \
      -H 'content-type: application/json' -d '{"model":"llama-3.1-8b","prompt":"x","max_tokens":40,"stream":true,
      "slo":{"ttft_ms":60000,"tpot_ms":1000}}'); echo "request $i via port $port: $r" ) &
  pids="$pids $!"
done
wait $pids
grep -h "WARN" $LOGS/node-1.log $LOGS/node-2.log | grep -v "No pong\|Heartbeat" | cut -c1-200
kill -CONT "$P3"
pkill -f three-node.sh; sleep 5; pkill -9 -f scorpio-server.jar
