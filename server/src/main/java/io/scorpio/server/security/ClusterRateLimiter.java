package io.scorpio.server.security;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.Serial;
import java.util.Map;

/**
 * One token bucket per API key for the whole cluster, so that a key's rate holds however its requests spread
 * over the nodes (with a bucket per node, N nodes would allow N times the rate). Each bucket is an entry of the
 * Hazelcast map {@value #MAP}, updated in place on the member that owns it by an entry processor ({@link Take}):
 * one round trip per request of a rate-limited key, never blocking the event loop.
 *
 * <p>When the cluster does not answer within {@code auth.rate-limit-timeout-ms} (a member lost, a split), this
 * node's own bucket decides instead ({@code scorpio_rate_limit_fallbacks_total}): requests keep flowing at the
 * key's rate per node, rather than stopping. Buckets idle for an hour are dropped; a dropped bucket comes back
 * full, as it would have refilled by then for any rate of at least its burst per hour.
 */
public final class ClusterRateLimiter implements RateLimits {

    public static final String MAP = "scorpio.rate-buckets";

    private final Vertx vertx;
    private final IMap<String, double[]> buckets;
    private final long timeoutMs;
    private final RateLimiter fallback;
    private final ServerMetrics metrics;

    public ClusterRateLimiter(Vertx vertx, HazelcastInstance hz, long timeoutMs, ServerMetrics metrics) {
        this.vertx = vertx;
        this.buckets = hz.getMap(MAP);
        this.timeoutMs = timeoutMs;
        this.fallback = new RateLimiter();
        this.metrics = metrics;
    }

    @Override
    public Future<Long> take(ApiKey key) {
        if (!key.limited()) {
            return Future.succeededFuture(0L);
        }
        Context context = vertx.getOrCreateContext();
        Promise<Long> answer = Promise.promise();
        long timer = vertx.setTimer(timeoutMs, t -> fallBack(answer, key));
        try {
            buckets.submitToKey(key.id(), new Take(key.ratePerSecond(), key.burst())).whenComplete((wait, err) ->
                    context.runOnContext(v -> {
                        vertx.cancelTimer(timer);
                        if (err != null || wait == null) {
                            fallBack(answer, key);
                        } else {
                            answer.tryComplete(wait);
                        }
                    }));
        } catch (RuntimeException e) { // the member is shutting down, or already gone
            vertx.cancelTimer(timer);
            fallBack(answer, key);
        }
        return answer.future();
    }

    private void fallBack(Promise<Long> answer, ApiKey key) {
        if (!answer.future().isComplete()) {
            metrics.rateLimitFallback();
            answer.complete(fallback.acquire(key));
        }
    }

    /**
     * Takes a token from one key's bucket where the bucket lives, by that member's wall clock (the members' clocks
     * are assumed close; one that steps back refills nothing). Sent over the wire, so it is {@code Serializable}.
     */
    static final class Take implements EntryProcessor<String, double[], Long> {
        @Serial
        private static final long serialVersionUID = 1L;
        private final double ratePerSecond;
        private final int burst;
        private transient double[] after;

        Take(double ratePerSecond, int burst) {
            this.ratePerSecond = ratePerSecond;
            this.burst = burst;
        }

        @Override
        public Long process(Map.Entry<String, double[]> entry) {
            double nowMs = System.currentTimeMillis();
            double[] state = entry.getValue() == null ? TokenBucket.full(burst, nowMs) : entry.getValue();
            long wait = TokenBucket.take(state, ratePerSecond, burst, nowMs);
            entry.setValue(state);
            after = state.clone();
            return wait;
        }

        /** The backup copy gets the state the owner computed, not a second take by its own clock. */
        @Override
        public EntryProcessor<String, double[], Long> getBackupProcessor() {
            return new Put(after);
        }
    }

    /** Sets a bucket's state on a backup replica. */
    static final class Put implements EntryProcessor<String, double[], Long> {
        @Serial
        private static final long serialVersionUID = 1L;
        private final double[] state;

        Put(double[] state) {
            this.state = state;
        }

        @Override
        public Long process(Map.Entry<String, double[]> entry) {
            entry.setValue(state);
            return null;
        }
    }
}
