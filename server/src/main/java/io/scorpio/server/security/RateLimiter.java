package io.scorpio.server.security;

import io.vertx.core.Future;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * This node's token bucket per API key (see {@link TokenBucket}). Never blocks: a request either takes a token now
 * or is told how long until one is there (the {@code retry-after}). Buckets live in a concurrent map so that any
 * event loop may ask; each bucket's update is a tiny critical section. Used alone ({@code hazelcast.mode=none}),
 * and in a cluster when the shared bucket does not answer in time.
 */
public final class RateLimiter implements RateLimits {

    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, double[]> buckets = new ConcurrentHashMap<>();

    public RateLimiter() {
        this(System::nanoTime);
    }

    /** With an injected clock, for tests. */
    public RateLimiter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** 0 when the key may go now (and a token is taken), else the nanoseconds until it may. */
    public long acquire(ApiKey key) {
        if (!key.limited()) {
            return 0;
        }
        double nowMs = nanoTime.getAsLong() / 1e6;
        double[] state = buckets.computeIfAbsent(key.id(), id -> TokenBucket.full(key.burst(), nowMs));
        synchronized (state) {
            return TokenBucket.take(state, key.ratePerSecond(), key.burst(), nowMs);
        }
    }

    @Override
    public Future<Long> take(ApiKey key) {
        return Future.succeededFuture(acquire(key));
    }
}
