#!/usr/bin/env bash
# Starts a three-node Scorpio cluster on this host, in the foreground, and stops it on Ctrl-C / SIGTERM.
#
#   infra/cluster/three-node.sh [--key=value ...]
#
# Every --key=value is passed to all three nodes after the script's own flags (so it wins), e.g.
#   infra/cluster/three-node.sh --predictor=none --worker.time-scale=0.2
# Run with --help for the environment variables that choose ports, cluster name, logs and the Java command.
# docs/cluster.md ("Running a cluster") describes what it starts.
set -euo pipefail
# A reader that went away (`three-node.sh | head`, a killed terminal) must not kill the script mid-cleanup:
# with SIGPIPE ignored a failed write is an error like any other, and the EXIT trap still stops the nodes.
trap '' PIPE

usage() {
    cat <<'EOF'
usage: infra/cluster/three-node.sh [--key=value ...]

Starts Scorpio nodes node-1, node-2 and node-3 on 127.0.0.1 as one Hazelcast cluster, waits until each
answers /ready and lists all three nodes in /scorpio/state, prints their URLs, and runs in the foreground
until Ctrl-C or SIGTERM, which stops all three. Extra --key=value flags go to every node (docs/service.md
lists the keys; do not override node.id or the ports, the script checks those).

Environment (defaults in brackets):
  SCORPIO_BASE_PORT       first HTTP port; nodes get BASE, BASE+1, BASE+2           [8081]
  SCORPIO_HZ_BASE_PORT    first Hazelcast member port                               [5701]
  SCORPIO_BUS_BASE_PORT   first clustered event-bus port                            [5801]
  SCORPIO_CLUSTER_NAME    hazelcast.cluster-name of the three nodes                  [scorpio-local]
  SCORPIO_LOG_DIR         folder of node-1.log .. node-3.log                        [<repo>/target/cluster-logs]
  SCORPIO_JAR             the server jar                 [<repo>/server/target/scorpio-server.jar]
  SCORPIO_CLASSPATH       run io.scorpio.server.Launcher from this class path instead of the jar
  SCORPIO_JAVA            the java binary                                   [$JAVA_HOME/bin/java, else java]
  SCORPIO_JAVA_OPTS       extra JVM options for every node                          [-Xmx512m]
  SCORPIO_FORM_TIMEOUT_S  seconds to wait for the cluster to form                   [90]
  SCORPIO_STOP_TIMEOUT_S  seconds a node gets to stop before it is killed          [40]

Exit status: 0 after a requested stop in which every node stopped in time; 1 when the cluster did not
form, a node exited on its own, or a node had to be killed; 2 on a usage error.
EOF
}

# ---- arguments --------------------------------------------------------------------------------------------
EXTRA_FLAGS=()
for arg in "$@"; do
    case "$arg" in
        -h|--help) usage; exit 0 ;;
        --*=*) EXTRA_FLAGS+=("$arg") ;;
        *) echo "three-node: flags take the form --key=value, got '$arg' (see --help)" >&2; exit 2 ;;
    esac
done

# ---- settings ---------------------------------------------------------------------------------------------
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE_PORT="${SCORPIO_BASE_PORT:-8081}"
HZ_BASE_PORT="${SCORPIO_HZ_BASE_PORT:-5701}"
BUS_BASE_PORT="${SCORPIO_BUS_BASE_PORT:-5801}"
CLUSTER_NAME="${SCORPIO_CLUSTER_NAME:-scorpio-local}"
LOG_DIR="${SCORPIO_LOG_DIR:-$REPO_ROOT/target/cluster-logs}"
JAR="${SCORPIO_JAR:-$REPO_ROOT/server/target/scorpio-server.jar}"
CLASSPATH_OVERRIDE="${SCORPIO_CLASSPATH:-}"
JAVA_OPTS="${SCORPIO_JAVA_OPTS:--Xmx512m}"
FORM_TIMEOUT_S="${SCORPIO_FORM_TIMEOUT_S:-90}"
STOP_TIMEOUT_S="${SCORPIO_STOP_TIMEOUT_S:-40}"
HOST=127.0.0.1
NODES=(node-1 node-2 node-3)

if [[ -n "${SCORPIO_JAVA:-}" ]]; then
    JAVA="$SCORPIO_JAVA"
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA=java
fi

say() {
    echo "three-node: $*" || true
}

fail() {
    echo "three-node: $*" >&2 || true
    exit 1
}

for n in "$BASE_PORT" "$HZ_BASE_PORT" "$BUS_BASE_PORT" "$FORM_TIMEOUT_S" "$STOP_TIMEOUT_S"; do
    [[ "$n" =~ ^[0-9]+$ ]] || fail "expected a number, got '$n' (see --help)"
done

# ---- preflight: tools, the server, free ports --------------------------------------------------------------
command -v "$JAVA" >/dev/null 2>&1 || fail "no java found ('$JAVA'); install a JDK 17+ or set JAVA_HOME / SCORPIO_JAVA"
command -v curl >/dev/null 2>&1 || fail "curl is needed to check the nodes' readiness; install it"

if [[ -n "$CLASSPATH_OVERRIDE" ]]; then
    LAUNCH=(-cp "$CLASSPATH_OVERRIDE" io.scorpio.server.Launcher)
elif [[ -f "$JAR" ]]; then
    LAUNCH=(-jar "$JAR")
else
    fail "no server jar at $JAR; build it first:
    (cd $REPO_ROOT && mvn -B -q package -DskipTests -pl server -am)
or set SCORPIO_JAR / SCORPIO_CLASSPATH"
fi
# The JVM flags Hazelcast wants on Java 17+: the root pom's one list, which the server prints. The jar's manifest carries
# them too; from a class path they must be given.
mapfile -t HAZELCAST_JVM_FLAGS < <("$JAVA" "${LAUNCH[@]}" --jvm-flags) || true
[[ ${#HAZELCAST_JVM_FLAGS[@]} -gt 0 ]] || fail "could not read the JVM flags from the server ($JAVA ${LAUNCH[*]} --jvm-flags)"

# A port someone already listens on would make a node fail to bind (HTTP, event bus) or, worse, silently
# move to the next port (Hazelcast auto-increments) and drop out of the member list: refuse up front.
port_in_use() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}
for i in 0 1 2; do
    for port in $((BASE_PORT + i)) $((HZ_BASE_PORT + i)) $((BUS_BASE_PORT + i)); do
        if port_in_use "$port"; then
            fail "port $port on $HOST is already in use (another cluster still running?); choose other ports with SCORPIO_BASE_PORT, SCORPIO_HZ_BASE_PORT, SCORPIO_BUS_BASE_PORT"
        fi
    done
done

mkdir -p "$LOG_DIR"
LOG_DIR="$(cd "$LOG_DIR" && pwd)"

# ---- stopping ---------------------------------------------------------------------------------------------
PIDS=()
STOPPING=0

alive() {
    kill -0 "$1" 2>/dev/null
}

# SIGTERM every node (each drains for up to shutdown.grace-ms, 30 s, then leaves the cluster in its shutdown hook),
# give them STOP_TIMEOUT_S, then SIGKILL
# any that are left; always reaps the children so none outlives the script.
stop_nodes() {
    local killed=0 pid deadline
    for pid in "${PIDS[@]}"; do
        alive "$pid" && kill -TERM "$pid" 2>/dev/null || true
    done
    deadline=$((SECONDS + STOP_TIMEOUT_S))
    for pid in "${PIDS[@]}"; do
        while alive "$pid" && ((SECONDS < deadline)); do
            sleep 0.2
        done
        if alive "$pid"; then
            echo "three-node: pid $pid did not stop within ${STOP_TIMEOUT_S}s; killing it" >&2 || true
            kill -KILL "$pid" 2>/dev/null || true
            killed=1
        fi
        wait "$pid" 2>/dev/null || true
    done
    return "$killed"
}

# Ctrl-C / SIGTERM: a requested stop.
on_signal() {
    ((STOPPING)) && return
    STOPPING=1
    say "stopping node-1..3"
    if stop_nodes; then
        say "all three nodes stopped"
        exit 0
    fi
    exit 1
}

# Any other way out (an error, a node that died): leave no node behind.
on_exit() {
    local status=$?
    if ((!STOPPING)) && ((${#PIDS[@]} > 0)); then
        STOPPING=1
        stop_nodes || true
    fi
    exit "$status"
}

trap on_signal INT TERM
trap on_exit EXIT

show_logs() {
    local node
    for node in "${NODES[@]}"; do
        echo "---- last lines of $LOG_DIR/$node.log ----" >&2
        tail -n 20 "$LOG_DIR/$node.log" >&2 2>/dev/null || true
    done
}

# ---- start ------------------------------------------------------------------------------------------------
MEMBERS="$HOST:$HZ_BASE_PORT,$HOST:$((HZ_BASE_PORT + 1)),$HOST:$((HZ_BASE_PORT + 2))"

# The script's own SCORPIO_* knobs are not node configuration: unset them for the nodes, so that a future
# configuration key of the same name could not pick them up by accident.
OWN_VARS=(SCORPIO_BASE_PORT SCORPIO_HZ_BASE_PORT SCORPIO_BUS_BASE_PORT SCORPIO_CLUSTER_NAME SCORPIO_LOG_DIR
          SCORPIO_JAR SCORPIO_CLASSPATH SCORPIO_JAVA SCORPIO_JAVA_OPTS SCORPIO_FORM_TIMEOUT_S SCORPIO_STOP_TIMEOUT_S)
UNSET_OWN=()
for v in "${OWN_VARS[@]}"; do
    UNSET_OWN+=(-u "$v")
done

# Nodes run from the repository root, where they find onnx-models/ (docs/service.md).
cd "$REPO_ROOT"
read -r -a JAVA_OPTS_ARRAY <<<"$JAVA_OPTS"

echo "three-node: starting cluster '$CLUSTER_NAME' (logs in $LOG_DIR)"
for i in 0 1 2; do
    node="${NODES[$i]}"
    # `env` execs java, so $! is the JVM's own pid.
    env "${UNSET_OWN[@]}" "$JAVA" "${HAZELCAST_JVM_FLAGS[@]}" ${JAVA_OPTS_ARRAY[@]+"${JAVA_OPTS_ARRAY[@]}"} "${LAUNCH[@]}" \
        --node.id="$node" \
        --http.host="$HOST" \
        --http.port=$((BASE_PORT + i)) \
        --hazelcast.mode=embedded \
        --hazelcast.cluster-name="$CLUSTER_NAME" \
        --hazelcast.interface="$HOST" \
        --hazelcast.join=tcp \
        --hazelcast.port=$((HZ_BASE_PORT + i)) \
        --hazelcast.members="$MEMBERS" \
        --cluster.bus-port=$((BUS_BASE_PORT + i)) \
        ${EXTRA_FLAGS[@]+"${EXTRA_FLAGS[@]}"} \
        >"$LOG_DIR/$node.log" 2>&1 </dev/null &
    PIDS+=($!)
    echo "three-node: $node pid ${PIDS[$i]}: http $((BASE_PORT + i)), hazelcast $((HZ_BASE_PORT + i)), event bus $((BUS_BASE_PORT + i))"
done

# ---- wait until the cluster has formed ---------------------------------------------------------------------
# Formed = every node answers /ready with 200 and its /scorpio/state lists all three node ids.
node_formed() {
    local port=$1 state node
    curl -fsS -m 2 -o /dev/null "http://$HOST:$port/ready" 2>/dev/null || return 1
    state="$(curl -fsS -m 2 "http://$HOST:$port/scorpio/state" 2>/dev/null)" || return 1
    state="$(grep -o '"cluster_nodes":\[[^]]*\]' <<<"$state")" || return 1
    for node in "${NODES[@]}"; do
        [[ "$state" == *"\"$node\""* ]] || return 1
    done
}

deadline=$((SECONDS + FORM_TIMEOUT_S))
while :; do
    for i in 0 1 2; do
        if ! alive "${PIDS[$i]}"; then
            show_logs
            fail "${NODES[$i]} exited during start-up (its log is above)"
        fi
    done
    formed=1
    for i in 0 1 2; do
        node_formed $((BASE_PORT + i)) || { formed=0; break; }
    done
    ((formed)) && break
    if ((SECONDS >= deadline)); then
        show_logs
        fail "the cluster did not form within ${FORM_TIMEOUT_S}s (SCORPIO_FORM_TIMEOUT_S); node logs are above"
    fi
    sleep 1
done

# The test (ThreeNodeScriptTest) waits for the line "... is ready".
echo "three-node: cluster '$CLUSTER_NAME' is ready"
for i in 0 1 2; do
    echo "  ${NODES[$i]}  http://$HOST:$((BASE_PORT + i))  (log: $LOG_DIR/${NODES[$i]}.log)"
done
cat <<EOF
  try:  curl http://$HOST:$BASE_PORT/scorpio/state
        curl http://$HOST:$((BASE_PORT + 1))/v1/completions -H 'content-type: application/json' \\
             -d '{"model": "llama-3.1-8b", "prompt": "hello", "max_tokens": 8}'
three-node: Ctrl-C stops all three nodes
EOF

# ---- run until stopped ------------------------------------------------------------------------------------
# Ctrl-C / SIGTERM end this loop through on_signal (within a second: bash runs the trap once `sleep` returns).
# A node that exits on its own takes the others down with it, so the cluster is never silently left at two.
while :; do
    for i in 0 1 2; do
        if ! alive "${PIDS[$i]}"; then
            echo "three-node: ${NODES[$i]} exited on its own; stopping the others. Last lines of its log:" >&2
            tail -n 20 "$LOG_DIR/${NODES[$i]}.log" >&2 || true
            exit 1
        fi
    done
    sleep 1
done
