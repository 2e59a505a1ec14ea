package io.scorpio.server.security;

import io.vertx.core.Future;

/** Where each API key's token bucket lives: in this node's memory, or shared by the whole cluster. */
public sealed interface RateLimits permits RateLimiter, ClusterRateLimiter {

    /** Completes with 0 when the key may go now (and a token is taken), else the nanoseconds until it may. */
    Future<Long> take(ApiKey key);
}
