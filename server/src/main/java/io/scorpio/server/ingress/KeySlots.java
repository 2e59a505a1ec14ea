package io.scorpio.server.ingress;

import io.scorpio.server.api.ApiError;
import java.util.HashMap;
import java.util.Map;

/**
 * How many requests each API key has running on this node, capped at {@code auth.max-concurrent-per-key}: one key's
 * client cannot hold every stream of the node however slowly it reads. A key's rate bounds how fast it starts
 * requests; this bounds how many it holds. Event-loop confined.
 */
final class KeySlots {

    private final int max;
    private final Map<String, Integer> running = new HashMap<>();

    KeySlots(int max) {
        this.max = max;
    }

    /** Takes a slot for the key, or refuses with a 429 when it already runs {@code max} requests here. */
    Runnable take(String keyId) {
        int now = running.getOrDefault(keyId, 0);
        if (now >= max) {
            throw new ApiError(429, "rate_limit_error", null, "too_many_concurrent_requests", "API key '" + keyId
                    + "' already runs " + max + " requests on this node, its limit (auth.max-concurrent-per-key); "
                    + "wait for one to end");
        }
        running.put(keyId, now + 1);
        boolean[] given = {false};
        return () -> {
            if (!given[0]) {
                given[0] = true;
                running.computeIfPresent(keyId, (k, n) -> n <= 1 ? null : n - 1);
            }
        };
    }
}
