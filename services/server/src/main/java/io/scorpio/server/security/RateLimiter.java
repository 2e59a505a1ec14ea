package io.scorpio.server.security;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per API key: {@code burst} requests at once, refilled at {@code rate_per_s}. Never blocks: a
 * request either takes a token now or is told how long until one is there (the {@code retry-after}). Buckets
 * live in a concurrent map so that any event loop may ask; each bucket's update is a tiny critical section.
 */
public final class RateLimiter {

    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

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
        long now = nanoTime.getAsLong();
        return buckets.computeIfAbsent(key.id(), id -> new Bucket(key.burst(), now)).take(key, now);
    }

    private static final class Bucket {
        private double tokens;
        private long last;

        Bucket(int burst, long now) {
            tokens = burst;
            last = now;
        }

        synchronized long take(ApiKey key, long now) {
            double perNano = key.ratePerSecond() / 1e9;
            tokens = Math.min(key.burst(), tokens + Math.max(0, now - last) * perNano);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / perNano);
        }
    }
}
