package io.scorpio.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading the placement histogram from /metrics text, adding nodes up, differencing scrapes, and its statistics. */
class PromHistogramTest {

    /** As a node writes it (Micrometer's Prometheus registry), with a cluster-scope series added. */
    static final String NODE_A = """
            # HELP scorpio_placement_latency_seconds time to place a request and hear its guard's answer
            # TYPE scorpio_placement_latency_seconds histogram
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="local",le="2.5E-4"} 0
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="local",le="0.001"} 4
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="local",le="0.002"} 8
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="local",le="0.005"} 10
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="local",le="+Inf"} 10
            scorpio_placement_latency_seconds_count{scope="cluster",where="local"} 10
            scorpio_placement_latency_seconds_sum{scope="cluster",where="local"} 0.015
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="remote",le="2.5E-4"} 0
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="remote",le="0.001"} 0
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="remote",le="0.002"} 1
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="remote",le="0.005"} 2
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="remote",le="+Inf"} 3
            scorpio_placement_latency_seconds_count{scope="cluster",where="remote"} 3
            scorpio_placement_latency_seconds_sum{scope="cluster",where="remote"} 0.3
            # HELP scorpio_placement_latency_seconds_max time to place a request and hear its guard's answer
            # TYPE scorpio_placement_latency_seconds_max gauge
            scorpio_placement_latency_seconds_max{scope="cluster",where="local"} 0.004
            scorpio_placement_quote_failures_total{node="node-2"} 2.0
            scorpio_placement_quote_failures_total{node="node-3"} 1.0
            scorpio_requests_total{outcome="completed"} 13.0
            """;

    static final String NODE_B = """
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="local",le="2.5E-4"} 0
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="local",le="0.001"} 6
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="local",le="0.002"} 10
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="local",le="0.005"} 10
            scorpio_placement_latency_seconds_bucket{scope="cluster",where="local",le="+Inf"} 10
            scorpio_placement_latency_seconds_count{scope="cluster",where="local"} 10
            scorpio_placement_latency_seconds_sum{scope="cluster",where="local"} 0.009
            """;

    static final Map<String, String> LOCAL = Map.of("scope", "cluster", "where", "local");
    static final Map<String, String> REMOTE = Map.of("scope", "cluster", "where", "remote");

    @Test
    void parsesEverySeriesWithoutTheLeLabel() {
        List<PromHistogram> series = PromHistogram.parse(NODE_A, "scorpio_placement_latency_seconds");
        assertEquals(2, series.size());
        PromHistogram local = series.stream().filter(h -> h.labels().equals(LOCAL)).findFirst().orElseThrow();
        assertEquals(10, local.count());
        assertEquals(0.015, local.sum(), 1e-12);
        assertEquals(5, local.buckets().size());
        assertEquals(Double.POSITIVE_INFINITY, local.buckets().lastKey());
        assertEquals(4.0, local.buckets().get(0.001));
    }

    @Test
    void meanIsSumOverCount() {
        PromHistogram remote = PromHistogram.sumByLabels(PromHistogram.parse(NODE_A, "scorpio_placement_latency_seconds"))
                .get(REMOTE);
        assertEquals(0.1, remote.mean(), 1e-12);
    }

    @Test
    void quantilesInterpolateInsideTheirBucketAsPrometheusDoes() {
        PromHistogram local = PromHistogram.sumByLabels(PromHistogram.parse(NODE_A, "scorpio_placement_latency_seconds"))
                .get(LOCAL);
        // rank 5 of 10: bucket (0.001, 0.002] holds ranks 5..8 (4 observations); 1 of 4 into it.
        assertEquals(0.001 + 0.001 * (5 - 4) / 4.0, local.quantile(0.5), 1e-12);
        // rank 2 of 10 in the first non-empty bucket (0.00025, 0.001], which holds 4.
        assertEquals(0.00025 + 0.00075 * 2 / 4.0, local.quantile(0.2), 1e-12);
        // rank 9.9 in (0.002, 0.005], 2 observations, 1.9 into it.
        assertEquals(0.002 + 0.003 * 1.9 / 2, local.quantile(0.99), 1e-12);
    }

    @Test
    void aRankInTheInfBucketGivesTheHighestFiniteBound() {
        PromHistogram remote = PromHistogram.sumByLabels(PromHistogram.parse(NODE_A, "scorpio_placement_latency_seconds"))
                .get(REMOTE);
        assertEquals(0.005, remote.quantile(0.99), 1e-12);
    }

    @Test
    void nodesAddUpAndScrapesSubtract() {
        List<PromHistogram> both = new java.util.ArrayList<>(PromHistogram.parse(NODE_A, "scorpio_placement_latency_seconds"));
        both.addAll(PromHistogram.parse(NODE_B, "scorpio_placement_latency_seconds"));
        Map<Map<String, String>, PromHistogram> sum = PromHistogram.sumByLabels(both);
        PromHistogram local = sum.get(LOCAL);
        assertEquals(20, local.count());
        assertEquals(0.024, local.sum(), 1e-12);
        assertEquals(10.0, local.buckets().get(0.001));
        assertEquals(3, sum.get(REMOTE).count());

        PromHistogram nodeB = PromHistogram.parse(NODE_B, "scorpio_placement_latency_seconds").get(0);
        PromHistogram delta = local.minus(nodeB);
        assertEquals(10, delta.count());
        assertEquals(4.0, delta.buckets().get(0.001));
        assertEquals(0.015, delta.sum(), 1e-12);
    }

    @Test
    void emptyOrMismatchedSeriesAreHandled() {
        PromHistogram local = PromHistogram.parse(NODE_A, "scorpio_placement_latency_seconds").get(0);
        PromHistogram none = local.minus(local);
        assertTrue(Double.isNaN(none.mean()));
        assertTrue(Double.isNaN(none.quantile(0.5)));
        PromHistogram remote = PromHistogram.parse(NODE_A, "scorpio_placement_latency_seconds").get(1);
        assertThrows(IllegalArgumentException.class, () -> local.plus(remote));
        assertTrue(PromHistogram.parse(NODE_A, "no_such_metric").isEmpty());
    }

    @Test
    void countersSumOverTheirLabels() {
        assertEquals(3.0, PromHistogram.sumOf(NODE_A, "scorpio_placement_quote_failures_total"));
        assertEquals(0.0, PromHistogram.sumOf(NODE_B, "scorpio_placement_quote_failures_total"));
    }

    @Test
    void labelValuesMayHoldEscapesAndCommas() {
        String text = "h_bucket{a=\"x,\\\"y\\\"\",le=\"1.0\"} 2\nh_bucket{a=\"x,\\\"y\\\"\",le=\"+Inf\"} 3\n"
                + "h_count{a=\"x,\\\"y\\\"\"} 3\nh_sum{a=\"x,\\\"y\\\"\"} 2.5\n";
        List<PromHistogram> series = PromHistogram.parse(text, "h");
        assertEquals(1, series.size());
        assertEquals(Map.of("a", "x,\"y\""), series.get(0).labels());
        assertEquals(3, series.get(0).count());
    }
}
