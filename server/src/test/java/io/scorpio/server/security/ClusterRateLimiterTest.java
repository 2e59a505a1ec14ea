package io.scorpio.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.scorpio.server.cluster.LoopbackMember;
import io.scorpio.server.dashboard.PrometheusText;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster-wide token bucket against a real Hazelcast member (alone, on loopback): it takes tokens like the
 * node's own bucket, two limiters over the same member share one bucket per key, and when the member is gone the
 * node's own bucket decides instead, counted as a fallback.
 */
class ClusterRateLimiterTest {

    private Vertx vertx;
    private HazelcastInstance hz;
    private final ServerMetrics metrics = new ServerMetrics();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        hz = LoopbackMember.start("rate-test");
    }

    @AfterEach
    void stop() throws Exception {
        if (hz.getLifecycleService().isRunning()) {
            hz.shutdown();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static ApiKey key(String id, double rate, int burst) {
        return new ApiKey(id, "c2FsdA==", "aGFzaA==", Set.of("*"), rate, burst);
    }

    private static long get(Future<Long> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void twoLimitersOnTheClusterShareEachKeysBucket() throws Exception {
        ClusterRateLimiter one = new ClusterRateLimiter(vertx, hz, 5_000, metrics);
        ClusterRateLimiter two = new ClusterRateLimiter(vertx, hz, 5_000, metrics);
        ApiKey k = key("k", 0.001, 3);
        assertEquals(0, get(one.take(k)));
        assertEquals(0, get(two.take(k)));
        assertEquals(0, get(one.take(k)));
        long wait = get(two.take(k));
        assertTrue(wait > TimeUnit.SECONDS.toNanos(900), "about 1000 s until the next token, got " + wait);
        assertEquals(0, get(one.take(key("other", 0.001, 1))), "another key has its own bucket");
        assertEquals(0, get(one.take(key("free", 0, 1))), "rate 0 is unlimited");
        assertEquals(0, new PrometheusText(metrics.scrape()).sum("scorpio_rate_limit_fallbacks_total"));
    }

    @Test
    void withoutTheClusterTheNodesOwnBucketDecides() throws Exception {
        ClusterRateLimiter limiter = new ClusterRateLimiter(vertx, hz, 5_000, metrics);
        ApiKey k = key("k", 0.001, 2);
        assertEquals(0, get(limiter.take(k)));
        assertEquals(0, get(limiter.take(k)));
        assertTrue(get(limiter.take(k)) > 0, "the shared bucket is empty");
        hz.shutdown();
        // The node's own bucket has never been used, so it is full: the key goes on at its rate per node.
        assertEquals(0, get(limiter.take(k)));
        assertEquals(0, get(limiter.take(k)));
        assertTrue(get(limiter.take(k)) > 0);
        assertEquals(3, new PrometheusText(metrics.scrape()).sum("scorpio_rate_limit_fallbacks_total"));
    }
}
