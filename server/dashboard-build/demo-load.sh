#!/usr/bin/env bash
# Usage: server/dashboard-build/demo-load.sh [BASE_URL=http://127.0.0.1:8080] [SECONDS=30]
# Mixed load for the dashboard: SLO classes 1-6, some unattainable TTFTs and too-long prompts.
URL=${1:-http://127.0.0.1:8080}; SECS=${2:-30}
end=$((SECONDS + SECS))
long=$(printf 'word %.0s' $(seq 1 1500))
while [ $SECONDS -lt $end ]; do
  for c in 1 2 3 4 5 6; do
    curl -s -o /dev/null "$URL/v1/completions" -H 'content-type: application/json' \
      -d "{\"model\":\"llama-3.1-8b\",\"prompt\":\"Tell me about class $c\",\"max_tokens\":$((RANDOM % 120 + 16)),\"slo_class\":\"$c\"}" &
  done
  curl -s -o /dev/null "$URL/v1/completions" -H 'content-type: application/json' \
    -d '{"model":"llama-3.1-8b","prompt":"hurry","max_tokens":8,"slo":{"ttft_ms":1,"tpot_ms":50}}' &
  [ $((RANDOM % 4)) -eq 0 ] && curl -s -o /dev/null "$URL/v1/completions" -H 'content-type: application/json' \
    -d "{\"model\":\"llama-3.1-8b\",\"prompt\":\"$long\",\"max_tokens\":8}" &
  sleep 0.5
done
wait
