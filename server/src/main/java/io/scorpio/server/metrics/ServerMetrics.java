package io.scorpio.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.scorpio.model.RequestOutcome;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The node's Prometheus metrics. Meters are created once here so that their names are spelled in one place;
 * gauges read snapshots that their single writers publish, never live scheduler state.
 */
public final class ServerMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer ttft;
    private final Timer tpot;
    private final Counter goodput;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final AtomicInteger registryEntries = new AtomicInteger();
    private final SloClassMeters sloClasses = new SloClassMeters(registry);

    public ServerMetrics() {
        // Timers, not DistributionSummary: a summary's histogram counts a fractional value in the bucket of its
        // ceiling (0.03 s landed in le="1.0"); a timer's buckets are exact. Exposed as scorpio_ttft_seconds_* alike.
        ttft = Timer.builder("scorpio_ttft").description("time to first token, as the client sees it")
                .serviceLevelObjectives(millis(50, 100, 250, 500, 1000, 2000, 3000, 5000, 7500, 10000, 30000)).register(registry);
        tpot = Timer.builder("scorpio_tpot").description("mean time per output token after the first")
                .serviceLevelObjectives(millis(10, 20, 30, 40, 50, 75, 100, 200, 500)).register(registry);
        goodput = Counter.builder("scorpio_goodput_requests").description("completed requests that met both their SLOs")
                .register(registry);
        Gauge.builder("scorpio_stream_consumers", openStreams, AtomicInteger::get)
                .description("token-stream consumers open at the ingress (0 when idle: nothing leaks)").register(registry);
        Gauge.builder("scorpio_registry_entries", registryEntries, AtomicInteger::get)
                .description("live requests of this node in the Hazelcast request registry, at the last scrape").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Every request ends here exactly once; {@code reason} is a reject reason's error type, a failure kind or "none". */
    public void outcome(RequestOutcome outcome, String reason) {
        Counter.builder("scorpio_requests").description("requests by how they ended")
                .tags("outcome", outcome.name().toLowerCase(Locale.ROOT), "reason", reason).register(registry).increment();
    }

    /** Input the ingress refused before it became a request (4xx). */
    public void badRequest(int status, String type) {
        Counter.builder("scorpio_http_errors").description("requests refused for bad input, by status")
                .tags("status", Integer.toString(status), "type", type).register(registry).increment();
    }

    public void completed(double ttftMs, double tpotMs, boolean compliant) {
        ttft.record(Math.round(ttftMs * 1e6), TimeUnit.NANOSECONDS);
        tpot.record(Math.round(tpotMs * 1e6), TimeUnit.NANOSECONDS);
        if (compliant) {
            goodput.increment();
        }
    }

    /** How long one prediction took as the request saw it; outcome ok, none (no estimate) or timeout. */
    public void predictorLatency(long nanos, String outcome) {
        Timer.builder("scorpio_predictor_latency").description("output-length prediction latency seen by the ingress")
                .tags("outcome", outcome)
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
                        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(1000))
                .register(registry).record(Duration.ofNanos(nanos));
    }

    /** A connection closed or refused by the ingress's limits; reason e.g. header_timeout, server_busy. */
    public void connectionClosed(String reason) {
        Counter.builder("scorpio_http_connections_refused").description("connections closed or refused by the limits: "
                        + "header or body timeout, node or per-client connection cap")
                .tags("reason", reason).register(registry).increment();
    }

    /** A request refused by access control: status 401, 403 or 429, reason the error code. */
    public void authFailure(int status, String reason) {
        Counter.builder("scorpio_auth_failures").description("requests refused by access control")
                .tags("status", Integer.toString(status), "reason", reason).register(registry).increment();
    }

    /** A rate-limited request that this node's own bucket decided, because the cluster's did not answer in time. */
    public void rateLimitFallback() {
        Counter.builder("scorpio_rate_limit_fallbacks").description("rate checks decided by this node's own bucket "
                + "because the cluster-wide one did not answer within auth.rate-limit-timeout-ms").register(registry).increment();
    }

    /** One reload of the API keys file whose text had changed: {@code applied}, or {@code failed} (keys kept). */
    public void keysReloaded(String outcome) {
        Counter.builder("scorpio_auth_key_reloads").description("reloads of the API keys file after it changed")
                .tags("outcome", outcome).register(registry).increment();
    }

    /**
     * One placement decision as the ingress saw it, from asking where to the guard's answer: {@code scope} is
     * {@code local} when this node was alone (no quotes asked) and {@code cluster} otherwise; {@code where} is
     * {@code local} or {@code remote}. The difference of the two scopes is the time clustering adds per decision.
     */
    public void placement(long nanos, String scope, String where) {
        Timer.builder("scorpio_placement_latency").description("time to place a request and hear its guard's answer")
                .tags("scope", scope, "where", where).serviceLevelObjectives(FINE_BUCKETS)
                .register(registry).record(Duration.ofNanos(nanos));
    }

    /** A round trip over the clustered event bus to another node's guard, which answers at once. */
    public void roundTrip(String peer, long nanos) {
        Timer.builder("scorpio_cluster_round_trip").description("round trip over the clustered event bus to another node's "
                        + "guard, which answers at once: the floor of a placement that moves a request there")
                .tags("peer", peer).serviceLevelObjectives(FINE_BUCKETS)
                .register(registry).record(Duration.ofNanos(nanos));
    }

    /** Buckets for what should take a millisecond or less: tenths of a millisecond count. */
    private static final Duration[] FINE_BUCKETS = {Duration.ofNanos(100_000), Duration.ofNanos(250_000),
        Duration.ofNanos(500_000), Duration.ofNanos(750_000), Duration.ofMillis(1), Duration.ofNanos(1_500_000),
        Duration.ofMillis(2), Duration.ofMillis(3), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(100), Duration.ofMillis(250)};

    /** A node did not answer a placement quote in time (or at all): it was passed over for that request. */
    public void quoteFailed(String node) {
        Counter.builder("scorpio_placement_quote_failures").description("placement quotes that failed or timed out, by node asked")
                .tags("node", node).register(registry).increment();
    }

    /**
     * Placement from snapshots had none of {@code node}'s it could trust (it has just joined, or its snapshots were not
     * renewed in time) and asked it for a quote instead.
     */
    public void snapshotMissing(String node) {
        Counter.builder("scorpio_placement_snapshot_misses").description("placements from snapshots that had no snapshot of "
                        + "a node to trust (none yet, or none renewed in time) and asked it for a quote, by node")
                .tags("node", node).register(registry).increment();
    }

    /**
     * A guard declined a submission (stale snapshot, or its node draining) and the entry node tried the next best:
     * counted at the entry node, by the node that declined and why.
     */
    public void declined(String node, String reason) {
        Counter.builder("scorpio_placement_declined").description("submissions a chosen guard declined, so the next best "
                        + "node was tried: reason stale_snapshot or node_draining, by declining node")
                .tags("node", node, "reason", reason).register(registry).increment();
    }

    /** A request that its engine's TTFT Guard would have rejected moved instead: {@code scope} engine or node. */
    public void migrated(String scope) {
        Counter.builder("scorpio_requests_migrated").description("TTFT rejections turned into migrations (guard.migration)")
                .tags("scope", scope).register(registry).increment();
    }

    /**
     * Another node left a submission or a probe unanswered past {@code cluster.submit-timeout-ms}: it is passed over
     * until it answers again.
     */
    public void nodeSilent(String peer) {
        Counter.builder("scorpio_cluster_node_silent").description("times another node stopped answering in time and was "
                + "passed over until it answered again, by peer").tags("peer", peer).register(registry).increment();
    }

    /**
     * A request placed again before its first token, because its node left, went silent or is shutting down, or its
     * engine's worker went out of service.
     */
    public void replaced(String reason) {
        Counter.builder("scorpio_requests_replaced").description("requests placed again before their first token: their node "
                        + "left the cluster (node_left), stopped answering (node_silent) or handed them back while shutting "
                        + "down (node_draining), or their engine's worker went out of service (worker_out_of_service)")
                .tags("reason", reason).register(registry).increment();
    }

    public void step(int engine, String kind) {
        Counter.builder("scorpio_engine_steps").tags("engine", Integer.toString(engine), "kind", kind).register(registry)
                .increment();
    }

    /** Steps in which an engine's worker itself failed (died, unreachable, hung); each takes it out of service. */
    public Counter workerFailures(int engine) {
        return Counter.builder("scorpio_worker_failures")
                .description("steps in which the engine's worker failed (died, unreachable, hung); each takes it out of service")
                .tags("engine", Integer.toString(engine)).register(registry);
    }

    /** Health probes of an engine's worker while it is out of service. */
    public Counter workerRetries(int engine) {
        return Counter.builder("scorpio_worker_retries")
                .description("health probes of the engine's worker while it is out of service (exponential back-off)")
                .tags("engine", Integer.toString(engine)).register(registry);
    }

    public AtomicInteger openStreams() {
        return openStreams;
    }

    /** Requests and goodput per SLO class (the dashboard's per-class goodput and adherence). */
    public SloClassMeters sloClasses() {
        return sloClasses;
    }

    public AtomicInteger registryEntries() {
        return registryEntries;
    }

    /** A gauge over a value that some single writer publishes. */
    public void gauge(String name, String description, Tags tags, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).tags(tags).register(registry);
    }

    private static Duration[] millis(long... ms) {
        Duration[] out = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            out[i] = Duration.ofMillis(ms[i]);
        }
        return out;
    }

    public String scrape() {
        return registry.scrape();
    }
}
