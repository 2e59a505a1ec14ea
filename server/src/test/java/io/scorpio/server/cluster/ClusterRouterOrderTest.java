package io.scorpio.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The order in which cluster placement tries nodes, from their quotes. */
class ClusterRouterOrderTest {

    private static NodeQuote quote(String node, double headroom) {
        return new NodeQuote(node, headroom, 100, false);
    }

    private static List<String> nodes(List<NodeQuote> order) {
        return order.stream().map(NodeQuote::node).toList();
    }

    @Test
    void mostHeadroomFirst() {
        List<String> order = nodes(ClusterRouter.order(List.of(quote("a", 0.2), quote("b", 0.9), quote("c", 0.5)), new Random(1), "a"));
        assertEquals(List.of("b", "c", "a"), order);
    }

    @Test
    void nodesWithinTheTieBandAreShuffledSoThatABurstSpreads() {
        List<NodeQuote> quotes = List.of(quote("a", 0.800), quote("b", 0.800 - ClusterRouter.TIE / 2),
                quote("c", 0.800 - 2 * ClusterRouter.TIE));
        Set<String> firsts = new HashSet<>();
        Random random = new Random(42); // one generator for the router's lifetime, as in the service
        for (int i = 0; i < 64; i++) {
            List<String> order = nodes(ClusterRouter.order(quotes, random, null));
            firsts.add(order.get(0));
            assertEquals("c", order.get(2), "a node outside the band never goes ahead of the tied ones");
        }
        assertEquals(Set.of("a", "b"), firsts);
    }

    @Test
    void theEntryNodeWinsATieButNotMoreHeadroomElsewhere() {
        List<NodeQuote> quotes = List.of(quote("a", 0.800), quote("b", 0.800 - ClusterRouter.TIE / 2),
                quote("c", 0.800 - 2 * ClusterRouter.TIE));
        Random random = new Random(42);
        for (int i = 0; i < 64; i++) {
            assertEquals(List.of("b", "a", "c"), nodes(ClusterRouter.order(quotes, random, "b")),
                    "the entry node b is tied with the best, so it goes first; c is outside the band");
            assertEquals("a", nodes(ClusterRouter.order(List.of(quote("a", 0.9), quote("b", 0.5)), random, "b")).get(0),
                    "more headroom elsewhere wins over the entry node");
        }
    }

    @Test
    void noQuotesNoOrder() {
        assertTrue(ClusterRouter.order(List.of(), new Random(1), "a").isEmpty());
    }
}
