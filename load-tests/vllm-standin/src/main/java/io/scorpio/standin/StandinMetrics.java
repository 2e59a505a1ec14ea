package io.scorpio.standin;

import io.scorpio.core.scheduler.Scheduler;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * vLLM's Prometheus metrics, by vLLM's names and label, for what a client or a Scorpio node scrapes from
 * {@code GET /metrics}: running and waiting requests, KV-cache usage, preemptions, token counters, finished requests by
 * reason, and the TTFT, time-per-output-token and end-to-end latency histograms (vLLM's buckets).
 *
 * <p>Confined to the server's Vert.x context.
 */
final class StandinMetrics {

    private static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
        2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    private static final double[] TPOT_BUCKETS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
        5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    private static final double[] E2E_BUCKETS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
        50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

    /** A cumulative histogram as Prometheus renders it. */
    private static final class Histogram {
        final double[] bounds;
        final long[] counts;
        long count;
        double sum;

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new long[bounds.length];
        }

        void observe(double v) {
            count++;
            sum += v;
            for (int i = 0; i < bounds.length; i++) {
                if (v <= bounds[i]) {
                    counts[i]++;
                }
            }
        }
    }

    private final String label;
    private int running;
    private int waiting;
    private double kvUsage;
    private long preemptions;
    private long promptTokens;
    private long generationTokens;
    private final Map<String, Long> finished = new TreeMap<>();
    private final Histogram ttft = new Histogram(TTFT_BUCKETS);
    private final Histogram tpot = new Histogram(TPOT_BUCKETS);
    private final Histogram e2e = new Histogram(E2E_BUCKETS);

    StandinMetrics(String model) {
        this.label = "model_name=\"" + model.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    void counts(Scheduler s) {
        running = s.admittedCount();
        waiting = s.waitingCount();
        kvUsage = 1.0 - (double) s.freeKvBlocks() / s.totalKvBlocks();
    }

    void preempted(int n) {
        preemptions += n;
    }

    void prompt(int tokens) {
        promptTokens += tokens;
    }

    void generated(int tokens) {
        generationTokens += tokens;
    }

    void firstToken(double seconds) {
        ttft.observe(seconds);
    }

    void tokenGap(double seconds) {
        tpot.observe(seconds);
    }

    /** A request ended: {@code reason} is vLLM's finished reason (stop, length, abort). */
    void finished(String reason, double e2eSeconds) {
        finished.merge(reason, 1L, Long::sum);
        e2e.observe(e2eSeconds);
    }

    String render() {
        StringBuilder b = new StringBuilder(4096);
        gauge(b, "vllm:num_requests_running", "Number of requests in model execution batches.", running);
        gauge(b, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", waiting);
        gauge(b, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", kvUsage);
        counter(b, "vllm:num_preemptions", "Cumulative number of preemption from the engine.", preemptions);
        counter(b, "vllm:prompt_tokens", "Number of prefill tokens processed.", promptTokens);
        counter(b, "vllm:generation_tokens", "Number of generation tokens processed.", generationTokens);
        b.append("# HELP vllm:request_success_total Count of successfully processed requests.\n")
                .append("# TYPE vllm:request_success_total counter\n");
        finished.forEach((reason, n) -> b.append("vllm:request_success_total{finished_reason=\"").append(reason)
                .append("\",").append(label).append("} ").append(n.doubleValue()).append('\n'));
        histogram(b, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ttft);
        histogram(b, "vllm:time_per_output_token_seconds", "Histogram of time per output token in seconds.", tpot);
        histogram(b, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", e2e);
        return b.toString();
    }

    private void gauge(StringBuilder b, String name, String help, double v) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append('{').append(label).append("} ").append(v).append('\n');
    }

    private void counter(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append("_total ").append(help).append("\n# TYPE ").append(name)
                .append("_total counter\n").append(name).append("_total{").append(label).append("} ")
                .append((double) v).append('\n');
    }

    private void histogram(StringBuilder b, String name, String help, Histogram h) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" histogram\n");
        for (int i = 0; i < h.bounds.length; i++) {
            b.append(name).append("_bucket{").append(label).append(",le=\"").append(String.format(Locale.ROOT, "%s",
                    h.bounds[i])).append("\"} ").append((double) h.counts[i]).append('\n');
        }
        b.append(name).append("_bucket{").append(label).append(",le=\"+Inf\"} ").append((double) h.count).append('\n')
                .append(name).append("_count{").append(label).append("} ").append((double) h.count).append('\n')
                .append(name).append("_sum{").append(label).append("} ").append(h.sum).append('\n');
    }
}
