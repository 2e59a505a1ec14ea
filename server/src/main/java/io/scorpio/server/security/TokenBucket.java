package io.scorpio.server.security;

/**
 * The token bucket arithmetic, in one place for the node's own buckets ({@link RateLimiter}) and the cluster's
 * ({@link ClusterRateLimiter}): {@code burst} requests at once, refilled at {@code ratePerSecond}.
 */
final class TokenBucket {

    private TokenBucket() {
    }

    /** A full bucket, last refilled at {@code nowMs}: {@code {tokens, lastMs}}. */
    static double[] full(int burst, double nowMs) {
        return new double[] {burst, nowMs};
    }

    /**
     * Refills {@code state} up to {@code nowMs} and takes a token if there is one.
     *
     * @param state {@code {tokens, lastMs}}, updated in place
     * @return 0 when a token was taken, else the nanoseconds until one is there
     */
    static long take(double[] state, double ratePerSecond, int burst, double nowMs) {
        double perMs = ratePerSecond / 1000;
        state[0] = Math.min(burst, state[0] + Math.max(0, nowMs - state[1]) * perMs);
        state[1] = Math.max(state[1], nowMs); // a clock that steps back (another member's) refills nothing
        if (state[0] >= 1) {
            state[0] -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - state[0]) / perMs * 1e6);
    }
}
