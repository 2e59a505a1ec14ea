package io.scorpio.server.config;

import io.scorpio.predictor.ModelCatalog;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The node's configuration: flat dotted keys with string values, layered as
 * built-in defaults &lt; a JSON file &lt; environment variables {@code SCORPIO_*} &lt; {@code --key=value} flags.
 *
 * <p>Every key is declared in {@link #KEYS} with its default and meaning; an unknown key in any layer is an
 * error, because a mistyped key silently falling back to its default is the worst kind of configuration bug.
 * The typed view the verticles use is {@link NodeSettings}, one record per component; this table is the one place a
 * default is written.
 */
public final class ServerConfig {

    /** One configuration key: its name, default ({@code null} = unset) and what it means. */
    public record Key(String name, String defaultValue, String doc) {
        /** {@code http.max-body-bytes} becomes {@code SCORPIO_HTTP_MAX_BODY_BYTES}. */
        public String envName() {
            return "SCORPIO_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        }
    }

    /** Every key, in the order the docs list them. */
    public static final List<Key> KEYS = List.of(
            new Key("config", null, "path of a JSON configuration file (flat dotted keys or nested objects)"),
            new Key("log.format", "text", "log lines: 'text' (timestamp, level, thread, logger, message) or 'json' "
                    + "(one object per line, for log shippers)"),
            new Key("log.level", "info", "least severe level logged: trace, debug, info, warning, error or off"),
            new Key("node.id", null, "this node's id in the Hazelcast request registry (default: a random id)"),
            new Key("http.host", "127.0.0.1", "address the HTTP server binds"),
            new Key("http.port", "8080", "HTTP port; 0 picks a free port"),
            new Key("http.max-body-bytes", "1048576", "largest request body accepted; larger gets 413"),
            // Connection hygiene (docs/service.md, "Limits"): what one client may hold of the node.
            new Key("http.idle-timeout-ms", "120000", "a connection with no bytes in either direction this long is closed "
                    + "(an SSE stream or WebSocket that is being written to is not idle)"),
            new Key("http.header-timeout-ms", "10000", "a connection's first request line and headers must arrive within this "
                    + "of the connection opening; else the connection is closed"),
            new Key("http.keep-alive-timeout-ms", "75000", "a kept-alive connection's next request line and headers must arrive "
                    + "within this of the previous response ending; else the connection is closed (as nginx's "
                    + "keepalive_timeout: longer than the header timeout, so that a client's pooled connection is rarely "
                    + "closed just as it sends on it)"),
            new Key("http.body-timeout-ms", "30000", "a request body must arrive within this of its headers; else 408 and close"),
            new Key("http.max-connections", "4096", "open HTTP/WebSocket connections on this node; past it a request gets 503 "
                    + "server_busy and its connection is closed (/health and /ready are still answered)"),
            new Key("http.max-connections-per-client", "256", "open connections from one remote address; past it a request "
                    + "gets 429 too_many_connections and its connection is closed"),
            new Key("ws.max-requests", "64", "concurrent requests on one WebSocket; past it a request gets a 429 "
                    + "too_many_requests error message (the socket stays open)"),
            new Key("shutdown.grace-ms", "30000", "on SIGTERM: how long in-flight requests may take to finish before they are "
                    + "ended with a server_shutdown error (keep it below the orchestrator's grace period: 45 s in infra/k8s)"),
            new Key("model.name", "llama-3.1-8b", "the model id served (GET /v1/models); other model names get 404"),
            new Key("policy", "scorpio", "scheduling policy: vllm, s3, mooncake, mooncake-early-reject, scorpio, "
                    + "scorpio-ttft-only, scorpio-tpot-only; on the chunked-prefill engine: vllm-v1, vllm-v1-8192, sarathi, "
                    + "scorpio-chunked"),
            new Key("engines", "1", "number of engines (workers), each with its own scheduler"),
            new Key("worker", "llama-3.1-8b-a100", "worker kind: a simulated GPU profile name, or 'vllm'"),
            new Key("worker.time-scale", "1.0", "simulated workers only: multiplies step durations (1 = real time)"),
            new Key("data.dir", null, "simulated workers only: a folder whose files replace the bundled data files (the GPU "
                    + "profiles) by their relative path; unset = the bundled data"),
            new Key("vllm.url", "http://127.0.0.1:8000", "base URL of the vLLM OpenAI-compatible server, or a "
                    + "comma-separated list of one URL per engine (engines must then equal their number)"),
            new Key("vllm.model", null, "model name sent to vLLM (default: model.name)"),
            new Key("vllm.token-timeout-ms", "60000", "a vLLM stream silent this long fails its request"),
            new Key("vllm.refit-every", "64", "refit the step-time model after this many new inter-token samples"),
            new Key("vllm.metrics-interval-ms", "5000", "how often vLLM's /metrics is scraped (0 = never)"),
            new Key("vllm.priority", "false", "send each request's TTFT deadline (ms on the node's clock) as vLLM's "
                    + "'priority', so that a vLLM run with --scheduling-policy priority serves its queue earliest deadline "
                    + "first (LDF inside the engine); it replaces a priority the client gave"),
            new Key("predictor", "onnx", "output-length predictor: 'onnx' (an ONNX length predictor, clamped to max_tokens) or "
                    + "'none' (max_tokens stands in)"),
            new Key("predictor.model-dir", null, "the ONNX predictor's model folder (default: onnx-models/" + ModelCatalog.DEFAULT_MODEL + ", "
                    + "onnx-models/ found from the working directory upwards)"),
            new Key("predictor.threads", "auto", "ONNX Runtime intra-op threads: 'auto' (1 for a model that runs prompts one at "
                    + "a time, else ONNX Runtime's choice), 0 (ONNX Runtime's choice) or a count"),
            new Key("predictor.spin", "false", "let ONNX Runtime's threads busy-wait between runs (off: they share cores with "
                    + "the service)"),
            new Key("predictor.device", "auto", "where the predictor runs: 'auto' (CUDA when the GPU build has it and a GPU "
                    + "answers, else CPU), 'cpu' or 'cuda' (fails when CUDA cannot be used)"),
            new Key("predictor.timeout-ms", "1000", "a prediction slower than this is skipped (no prediction), and taken out "
                    + "of the predictor's queue unrun"),
            new Key("predictor.queue-capacity", "256", "predictions that may wait for the predictor's thread; past it a request "
                    + "goes on at once without a prediction"),
            new Key("max-tokens.default", "256", "max_tokens when a request gives none"),
            new Key("max-tokens.limit", "8192", "largest max_tokens accepted; larger gets 400"),
            new Key("slo.default.ttft-ms", "2000", "TTFT SLO of a request that names none"),
            new Key("slo.default.tpot-ms", "50", "TPOT SLO of a request that names none"),
            new Key("slo.classes", RequestDefaults.paperClasses(), "named SLO classes, name=ttft_ms/tpot_ms, comma separated "
                    + "(default: the paper's six Llama-3.1-8B classes)"),
            new Key("scheduler.gamma", "1.3", "inefficiency coefficient of VBS admission"),
            new Key("scheduler.max-num-batched-tokens", "1024", "prompt tokens one prefill step may hold"),
            new Key("scheduler.max-num-seqs", "256", "requests running at once per engine"),
            new Key("scheduler.kv-blocks", "20000", "KV-cache blocks per engine"),
            new Key("scheduler.block-size", "16", "tokens per KV block"),
            new Key("scheduler.rejection-margin-ms", "50", "TTFT rejection margin"),
            new Key("scheduler.starvation-limit-ms", "60000", "a request waiting this long goes to the queue's head"),
            new Key("guard.placement", "slo-aware", "which engine takes a request: 'slo-aware' (most TTFT/TPOT headroom) or 'least-loaded'"),
            new Key("guard.low-load-fallback", "false", "beyond the paper: drop TPOT admission and credits under light load"),
            new Key("guard.best-effort", "false", "beyond the paper: serve TTFT-unattainable requests at low priority instead of rejecting them"),
            new Key("guard.prefill-aware-credits", "false", "beyond the paper: credits count the prefill stalls between decode steps"),
            new Key("guard.prefill-aware-admission", "false", "beyond the paper: admission counts the prefill stalls too"),
            new Key("guard.migration", "false", "beyond the paper: a request its engine's TTFT Guard would reject moves to another "
                    + "engine, or another node, whose queue still lets it meet its TTFT"),
            new Key("model.step.a", "1.19e-4", "step-time model a (ms per token per sequence)"),
            new Key("model.step.b", "0.0626", "step-time model b (ms per sequence)"),
            new Key("model.step.c", "4.05e-4", "step-time model c (ms per token of mean length)"),
            new Key("model.step.d", "11.168", "step-time model d (ms)"),
            new Key("model.prefill.theta", "100", "prefill model threshold (tokens)"),
            new Key("model.prefill.c", "13.04", "prefill model constant below theta (ms)"),
            new Key("model.prefill.alpha", "0.07084", "prefill model slope above theta (ms per token)"),
            new Key("model.prefill.beta", "6.282", "prefill model intercept above theta (ms)"),
            new Key("engine.idle-poll-ms", "20", "how often an idle engine with waiting requests re-runs the guard"),
            new Key("engine.retry-initial-ms", "250", "after its worker fails (dies, hangs), the engine stops and probes the "
                    + "worker's health after this long, doubling the wait after each failed probe"),
            new Key("engine.retry-max-ms", "10000", "the longest wait between two health probes of a failed worker"),
            new Key("bus.timeout-ms", "10000", "event-bus request-reply timeout"),
            new Key("hazelcast.mode", "embedded", "'embedded' (a Hazelcast member in this process) or 'none'"),
            new Key("hazelcast.cluster-name", "scorpio", "Hazelcast cluster name"),
            new Key("hazelcast.port", "5701", "first Hazelcast port tried (auto-increments when taken)"),
            new Key("hazelcast.members", "127.0.0.1", "TCP-IP join members, host or host:port, comma separated (multicast is off)"),
            new Key("hazelcast.interface", "127.0.0.1", "the one address Hazelcast and the clustered event bus bind to "
                    + "(never the wildcard); other members must reach this node there"),
            new Key("hazelcast.join", "tcp", "how members find each other: 'tcp' (hazelcast.members) or 'kubernetes' "
                    + "(DNS lookup of hazelcast.kubernetes.service-dns)"),
            new Key("hazelcast.kubernetes.service-dns", null, "headless Service DNS name, e.g. scorpio-hz.default.svc.cluster.local "
                    + "(hazelcast.join=kubernetes)"),
            new Key("hazelcast.heartbeat-timeout-s", "15", "a member silent this long is removed from the cluster"),
            new Key("hazelcast.merge-delay-s", "10", "after a split, how often the parts look for each other to merge"),
            new Key("cluster.bus-port", "0", "port of the clustered event bus (node-to-node stream events); 0 picks a free port"),
            new Key("cluster.placement", "snapshots", "where a request's node is chosen from: 'snapshots' (the engines' "
                    + "snapshots every node holds in memory; nothing is asked per request) or 'quotes' (ask every node's guard)"),
            new Key("cluster.snapshot-interval-ms", "10", "a guard shares each engine's snapshot with the cluster at most this "
                    + "often (after the iterations that change it); how stale another node's view can be, beyond replication"),
            new Key("cluster.stale-tolerance", "0.25", "a guard chosen from a snapshot declines the request, and the entry node "
                    + "tries the next best, when its exact state would reject it for TTFT or leave it this much less headroom "
                    + "(a fraction of its SLOs) than the snapshot promised"),
            new Key("cluster.prefer-entry-node", "true", "among nodes tied for the most headroom, the request's entry node "
                    + "goes first while no submission to it is on its way (no hop for the request or its tokens); false: "
                    + "ties are shuffled among all tied nodes"),
            new Key("cluster.round-trip-probe-ms", "1000", "how often each node times a round trip over the clustered event "
                    + "bus to every other node's guard (scorpio_cluster_round_trip_seconds{peer}: the floor of a placement "
                    + "that moves a request there); 0: never"),
            new Key("cluster.submit-timeout-ms", "3000", "how long the ingress waits for another node's guard to answer "
                    + "a submission or a round-trip probe; a node that does not answer in time is passed over, and the "
                    + "requests waiting there without a token are placed again, until it answers again"),
            new Key("cluster.placement-timeout-ms", "250", "with cluster.placement=quotes, how long the ingress waits for other "
                    + "nodes' placement quotes; a node slower than this is passed over for that request"),
            // auth: access control and the operational port (docs/service.md, "Access control")
            new Key("auth.keys-file", null, "API key file (JSON; written by io.scorpio.server.security.KeyTool); "
                    + "unset = no API keys: every request is allowed"),
            new Key("auth.keys-reload-ms", "2000", "how often the keys file is checked for changes, which then apply to new "
                    + "requests (on open WebSockets too); a file that does not parse is logged and the keys in use kept; "
                    + "0 = read at start only"),
            new Key("auth.rate-limit-timeout-ms", "250", "in a cluster, how long a request of a rate-limited key waits for "
                    + "the key's cluster-wide token bucket before this node's own bucket decides"),
            new Key("auth.max-concurrent-per-key", "1024", "requests one API key may have running on this node at once; past it "
                    + "a request gets 429 too_many_concurrent_requests"),
            new Key("auth.allowed-origins", null, "WebSocket Origin values allowed, comma separated; unset = any. "
                    + "A handshake without Origin (a non-browser client) is always allowed"),
            new Key("metrics.host", null, "address of the operational server (/metrics, /scorpio/state) when metrics.port is set "
                    + "(default: http.host)"),
            new Key("metrics.port", null, "serve /metrics, /scorpio/state and the dashboard on this separate port instead of http.port "
                    + "(unset = same port; 0 picks a free port)"));

    private static final Map<String, Key> BY_NAME;

    static {
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : KEYS) {
            m.put(k.name(), k);
        }
        BY_NAME = Collections.unmodifiableMap(m);
    }

    private final Map<String, String> values;
    private final Consumer<String> reads;

    private ServerConfig(Map<String, String> values) {
        this(values, name -> { });
    }

    private ServerConfig(Map<String, String> values, Consumer<String> reads) {
        this.values = Collections.unmodifiableMap(values);
        this.reads = reads;
    }

    /** The same values, telling {@code reads} the name of every key read (tests: a key nothing reads does nothing). */
    public ServerConfig observed(Consumer<String> reads) {
        return new ServerConfig(values, reads);
    }

    public static ServerConfig defaults() {
        return layered(Map.of(), Map.of(), List.of());
    }

    /** Builds the configuration from the process's environment and command line. */
    public static ServerConfig fromProcess(String[] args) {
        return layered(System.getenv(), Map.of(), List.of(args));
    }

    /**
     * The layering: defaults, then the file named by {@code config} (found in flags, then env, then
     * {@code overrides}), then env, then {@code overrides} (programmatic, e.g. tests), then flags.
     */
    public static ServerConfig layered(Map<String, String> env, Map<String, String> overrides, List<String> args) {
        Map<String, String> flags = parseFlags(args);
        Map<String, String> fromEnv = new LinkedHashMap<>();
        for (Key k : KEYS) {
            String v = env.get(k.envName());
            if (v != null) {
                fromEnv.put(k.name(), v);
            }
        }
        for (String name : overrides.keySet()) {
            requireKnown(name, "override");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Key k : KEYS) {
            if (k.defaultValue() != null) {
                values.put(k.name(), k.defaultValue());
            }
        }
        String file = flags.getOrDefault("config", overrides.getOrDefault("config", fromEnv.get("config")));
        if (file != null) {
            values.putAll(readFile(Path.of(file)));
        }
        values.putAll(fromEnv);
        values.putAll(overrides);
        values.putAll(flags);
        if (file != null) {
            values.put("config", file);
        }
        return new ServerConfig(values);
    }

    static Map<String, String> parseFlags(List<String> args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("flags take the form --key=value, got '" + arg + "'");
            }
            String name = arg.substring(2, arg.indexOf('='));
            requireKnown(name, "flag");
            flags.put(name, arg.substring(arg.indexOf('=') + 1));
        }
        return flags;
    }

    static Map<String, String> readFile(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read configuration file " + path + ": " + e.getMessage(), e);
        }
        JsonObject json;
        try {
            json = new JsonObject(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("configuration file " + path + " is not a JSON object: " + e.getMessage(), e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", json, out);
        for (String name : out.keySet()) {
            requireKnown(name, "key in " + path);
        }
        return out;
    }

    private static void flatten(String prefix, JsonObject json, Map<String, String> out) {
        for (Map.Entry<String, Object> e : json) {
            String name = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            Object v = e.getValue();
            if (v instanceof JsonObject nested && !BY_NAME.containsKey(name)) {
                flatten(name, nested, out);
            } else if (v instanceof JsonArray array) {
                List<String> parts = new ArrayList<>();
                array.forEach(x -> parts.add(String.valueOf(x)));
                out.put(name, String.join(",", parts));
            } else if (v instanceof JsonObject nested) {
                out.put(name, classesFromJson(nested));
            } else {
                out.put(name, v == null ? null : String.valueOf(v));
            }
        }
    }

    /** Lets a file give {@code slo.classes} as {@code {"1": {"ttft_ms": 500, "tpot_ms": 30}, ...}}. */
    private static String classesFromJson(JsonObject classes) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Object> e : classes) {
            if (!(e.getValue() instanceof JsonObject c)) {
                throw new IllegalArgumentException("slo class '" + e.getKey() + "' must be an object with ttft_ms and tpot_ms");
            }
            parts.add(e.getKey() + "=" + c.getValue("ttft_ms") + "/" + c.getValue("tpot_ms"));
        }
        return String.join(",", parts);
    }

    private static void requireKnown(String name, String where) {
        if (!BY_NAME.containsKey(name)) {
            throw new IllegalArgumentException("unknown configuration " + where + " '" + name + "'; known keys: "
                    + BY_NAME.keySet());
        }
    }

    public String get(String name) {
        requireKnown(name, "key");
        reads.accept(name);
        return values.get(name);
    }

    public int getInt(String name) {
        String v = Objects.requireNonNull(get(name), name);
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration key " + name + " must be an integer, got '" + v + "'");
        }
    }

    public boolean getBoolean(String name) {
        String v = Objects.requireNonNull(get(name), name).trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("configuration key " + name + " must be true or false, got '"
                    + v + "'");
        };
    }

    public double getDouble(String name) {
        String v = Objects.requireNonNull(get(name), name);
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration key " + name + " must be a finite number, got '" + v + "'");
        }
    }

    /** All effective values, for printing at startup. */
    public Map<String, String> values() {
        return values;
    }

    /** A copy with some keys replaced (tests, programmatic use). */
    public ServerConfig with(Map<String, String> changes) {
        Map<String, String> m = new LinkedHashMap<>(values);
        for (Map.Entry<String, String> e : changes.entrySet()) {
            requireKnown(e.getKey(), "key");
            m.put(e.getKey(), e.getValue());
        }
        return new ServerConfig(m);
    }

    public static String usage() {
        StringBuilder sb = new StringBuilder("Scorpio node. Configuration: defaults < --config=FILE (JSON) < env SCORPIO_* < --key=value\n\n");
        for (Key k : KEYS) {
            sb.append(String.format("  --%-34s %-22s %s%n", k.name() + "=", k.defaultValue() == null ? "(unset)" : k.defaultValue(), k.doc()));
        }
        return sb.toString();
    }
}
