package io.scorpio.core.policy;

/** How a policy orders its waiting queue (spec 6). Ties always keep arrival order. */
public enum QueueOrder {
    /** First come, first served. */
    ARRIVAL,
    /** Least deadline first: by {@code arrival + TTFT_SLO} (spec 3). */
    DEADLINE,
    /** Shortest predicted output first (the paper's reading of S3). */
    PREDICTED_LENGTH
}
