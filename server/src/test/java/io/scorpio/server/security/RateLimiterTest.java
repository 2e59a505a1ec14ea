package io.scorpio.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RateLimiter limiter = new RateLimiter(now::get);

    private static ApiKey key(String id, double rate, int burst) {
        return new ApiKey(id, "c2FsdA==", "aGFzaA==", Set.of("*"), rate, burst);
    }

    @Test
    void burstThenRefillAtTheRate() {
        ApiKey k = key("k", 2, 3);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, limiter.acquire(k));
        }
        long wait = limiter.acquire(k);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(500), wait, 1000);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(499));
        assertTrue(limiter.acquire(k) > 0);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertEquals(0, limiter.acquire(k));
        // A long quiet period refills to the burst, no further.
        now.addAndGet(TimeUnit.HOURS.toNanos(1));
        for (int i = 0; i < 3; i++) {
            assertEquals(0, limiter.acquire(k));
        }
        assertTrue(limiter.acquire(k) > 0);
    }

    @Test
    void keysHaveTheirOwnBucketsAndRateZeroIsUnlimited() {
        ApiKey a = key("a", 1, 1);
        ApiKey b = key("b", 1, 1);
        assertEquals(0, limiter.acquire(a));
        assertTrue(limiter.acquire(a) > 0);
        assertEquals(0, limiter.acquire(b));
        ApiKey free = key("free", 0, 1);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, limiter.acquire(free));
        }
    }
}
