package io.scorpio.server.config;

/**
 * How a request that entered one node finds its node in a cluster ({@code cluster.*}; docs/cluster.md).
 *
 * @param placement          {@code snapshots}: from the engines' snapshots every node holds in memory (no message per
 *                           request before the submission); {@code quotes}: ask every node's guard and wait for all
 * @param snapshotIntervalMs a guard shares an engine's snapshot with the cluster at most this often
 * @param staleTolerance     a guard chosen from a snapshot declines the request (the entry node tries the next best)
 *                           when its exact state would reject it for TTFT, or leaves it this much less headroom (a
 *                           fraction of its SLOs) than the snapshot promised
 * @param quoteTimeoutMs     {@code quotes} only: how long the ingress waits for the quotes
 * @param roundTripProbeMs   how often the ingress times a round trip to every other node's guard; 0: never
 * @param submitTimeoutMs    how long the ingress waits for another node's guard to answer a submission or a probe
 *                           before it treats that node as silent (passed over until it answers again)
 * @param preferEntryNode    among nodes tied for the most headroom, the entry node first (while no submission to it
 *                           is on its way); false: ties are shuffled among all of them
 */
public record ClusterSettings(Placement placement, long snapshotIntervalMs, double staleTolerance, long quoteTimeoutMs,
                              long roundTripProbeMs, long submitTimeoutMs, boolean preferEntryNode) {

    /** Where the entry node reads the other nodes' state from. */
    public enum Placement { SNAPSHOTS, QUOTES }

    public ClusterSettings {
        if (snapshotIntervalMs < 1) {
            throw new IllegalArgumentException("cluster.snapshot-interval-ms must be >= 1, got " + snapshotIntervalMs);
        }
        if (!(staleTolerance >= 0)) {
            throw new IllegalArgumentException("cluster.stale-tolerance must be >= 0, got " + staleTolerance);
        }
        if (quoteTimeoutMs < 1) {
            throw new IllegalArgumentException("cluster.placement-timeout-ms must be >= 1, got " + quoteTimeoutMs);
        }
        if (submitTimeoutMs < 1) {
            throw new IllegalArgumentException("cluster.submit-timeout-ms must be >= 1, got " + submitTimeoutMs);
        }
        if (roundTripProbeMs < 0) {
            throw new IllegalArgumentException("cluster.round-trip-probe-ms must be >= 0, got " + roundTripProbeMs);
        }
    }

    static ClusterSettings from(ServerConfig c) {
        Placement placement = Keys.oneOf(c, "cluster.placement", "snapshots", "quotes").equals("quotes")
                ? Placement.QUOTES : Placement.SNAPSHOTS;
        return new ClusterSettings(placement, c.getInt("cluster.snapshot-interval-ms"), c.getDouble("cluster.stale-tolerance"),
                c.getInt("cluster.placement-timeout-ms"), c.getInt("cluster.round-trip-probe-ms"),
                c.getInt("cluster.submit-timeout-ms"), c.getBoolean("cluster.prefer-entry-node"));
    }

    /** The defaults (a guard or ingress alone, in tests). */
    public static ClusterSettings defaults() {
        return from(ServerConfig.defaults());
    }
}
