#!/usr/bin/env bash
# Scorpio in front of stock vLLM servers, on this machine: N vLLM stand-ins and one Scorpio node pointed at them
# (one engine per stand-in), in the foreground; Ctrl-C / SIGTERM stops them all.
#
#   load-tests/stock-vllm.sh [--stand-ins=1|2|4] [--priority] [--time-scale=1.0] [--answer-lengths=FILE] [--key=value ...]
#
# Every other --key=value goes to the node (docs/service.md lists the keys). docs/load-tests.md, section 6, shows
# how to send the same workload straight to the stand-ins or through the node.
set -euo pipefail
trap '' PIPE

usage() {
    cat <<'EOF'
usage: load-tests/stock-vllm.sh [--stand-ins=N] [--priority] [--time-scale=F] [--answer-lengths=FILE] [--key=value ...]

Starts N vLLM stand-ins (load-tests/vllm-standin, vLLM V1's scheduling on the simulated A100) on ports
STANDIN_BASE_PORT.. and a Scorpio node on SCORPIO_PORT with --worker=vllm --engines=N and
--vllm.url=<the stand-ins' URLs>, waits until the node is /ready, prints the URLs, and runs until Ctrl-C.

  --stand-ins=N     how many stand-ins (and engines)                                   [1]
  --priority        stand-ins run --scheduling-policy priority and the node sends each request's deadline
                    as vLLM's priority (--vllm.priority=true)
  --time-scale=F    stand-in steps take F times the A100's time; the node's time models, rejection margin,
                    starvation limit and idle poll are scaled to match (as io.scorpio.live.TimeDilation does);
                    clients must then stretch their SLOs and arrival gaps by F too          [1.0]
  --answer-lengths=FILE
                    the stand-ins stop a known prompt (sent without ignore_eos) at the answer length FILE gives it:
                    the real model's answers replayed (write FILE with LiveLoad --workload arena-hard
                    --write-answer-lengths FILE, then send with LiveLoad --prompts text)
  --key=value       passed to the node after the script's own flags

Environment: SCORPIO_PORT [8080], STANDIN_BASE_PORT [8001], SCORPIO_LOG_DIR [<repo>/target/stock-vllm-logs],
SCORPIO_JAVA [java], SCORPIO_JAVA_OPTS [-Xmx1g]. Needs the jars:
  mvn -B -q package -DskipTests -pl server,load-tests/vllm-standin -am
EOF
}

STANDINS=1
PRIORITY=false
SCALE=1.0
ANSWERS=()
NODE_FLAGS=()
for arg in "$@"; do
    case "$arg" in
        -h|--help) usage; exit 0 ;;
        --stand-ins=*) STANDINS="${arg#*=}" ;;
        --priority) PRIORITY=true ;;
        --time-scale=*) SCALE="${arg#*=}" ;;
        --answer-lengths=*) ANSWERS=(--answer-lengths="${arg#*=}")
                            [[ -f "${arg#*=}" ]] || { echo "stock-vllm: no file ${arg#*=}" >&2; exit 2; } ;;
        --*=*) NODE_FLAGS+=("$arg") ;;
        *) echo "stock-vllm: unexpected argument '$arg' (see --help)" >&2; exit 2 ;;
    esac
done
if ! [[ "$STANDINS" =~ ^[1-9][0-9]?$ ]]; then
    echo "stock-vllm: --stand-ins must be a number from 1 to 99" >&2; exit 2
fi

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${SCORPIO_PORT:-8080}"
BASE="${STANDIN_BASE_PORT:-8001}"
LOG_DIR="${SCORPIO_LOG_DIR:-$REPO_ROOT/target/stock-vllm-logs}"
JAVA="${SCORPIO_JAVA:-java}"
read -r -a JAVA_OPTS <<< "${SCORPIO_JAVA_OPTS:--Xmx1g}"
SERVER_JAR="$REPO_ROOT/server/target/scorpio-server.jar"
STANDIN_JAR="$REPO_ROOT/load-tests/vllm-standin/target/vllm-standin.jar"
for jar in "$SERVER_JAR" "$STANDIN_JAR"; do
    [[ -f "$jar" ]] || { echo "stock-vllm: $jar is missing; build it first (see --help)" >&2; exit 2; }
done
mkdir -p "$LOG_DIR"

PIDS=()
stop_all() {
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap stop_all EXIT
trap 'exit 0' INT TERM

wait_for() { # url seconds
    local deadline=$((SECONDS + $2))
    until curl -fs -o /dev/null "$1"; do
        if ((SECONDS > deadline)); then
            echo "stock-vllm: $1 did not answer within $2 s (logs in $LOG_DIR)" >&2
            exit 1
        fi
        sleep 0.5
    done
}

POLICY=fcfs
$PRIORITY && POLICY=priority
URLS=()
for ((i = 0; i < STANDINS; i++)); do
    port=$((BASE + i))
    "$JAVA" "${JAVA_OPTS[@]}" -jar "$STANDIN_JAR" --port="$port" --scheduling-policy="$POLICY" \
        --time-scale="$SCALE" --seed=$((42 + i)) "${ANSWERS[@]}" > "$LOG_DIR/standin-$((i + 1)).log" 2>&1 &
    PIDS+=($!)
    URLS+=("http://127.0.0.1:$port")
done
for url in "${URLS[@]}"; do
    wait_for "$url/health" 60
done

# The node's step-time models are in the A100's milliseconds: stretched by the same factor as the stand-ins.
SCALED=()
if [[ "$SCALE" != "1" && "$SCALE" != "1.0" ]]; then
    SCALED=(--model.step.a=$(awk "BEGIN{print 1.19e-4*$SCALE}") --model.step.b=$(awk "BEGIN{print 0.0626*$SCALE}")
            --model.step.c=$(awk "BEGIN{print 4.05e-4*$SCALE}") --model.step.d=$(awk "BEGIN{print 11.168*$SCALE}")
            --model.prefill.c=$(awk "BEGIN{print 13.04*$SCALE}") --model.prefill.alpha=$(awk "BEGIN{print 0.07084*$SCALE}")
            --model.prefill.beta=$(awk "BEGIN{print 6.282*$SCALE}")
            --scheduler.rejection-margin-ms=$(awk "BEGIN{print 50*$SCALE}")
            --scheduler.starvation-limit-ms=$(awk "BEGIN{print 60000*$SCALE}")
            --engine.idle-poll-ms=$(awk "BEGIN{printf \"%d\", 20*$SCALE+0.5}"))
fi
IFS=, ; URL_LIST="${URLS[*]}" ; unset IFS
"$JAVA" "${JAVA_OPTS[@]}" -jar "$SERVER_JAR" --http.port="$PORT" --worker=vllm --engines="$STANDINS" \
    --vllm.url="$URL_LIST" --vllm.priority="$PRIORITY" --hazelcast.mode=none "${SCALED[@]}" "${NODE_FLAGS[@]}" \
    > "$LOG_DIR/node.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$PORT/ready" 120

echo "stand-ins ($POLICY, time scale $SCALE): ${URLS[*]}"
echo "Scorpio node: http://127.0.0.1:$PORT (engines=$STANDINS, vllm.priority=$PRIORITY); logs in $LOG_DIR"
echo "Ctrl-C stops all."
# Runs until a signal, or until any process exits by itself (then the others are stopped too).
wait -n "${PIDS[@]}"
echo "stock-vllm: a process exited on its own; stopping the others (logs in $LOG_DIR)" >&2
exit 1
