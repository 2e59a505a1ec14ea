package io.scorpio.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.model.RejectReason;
import io.scorpio.model.Slo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@link NodeFreeze} reads a run: the requests of the freeze window, and adherence by arrival slice. */
class NodeFreezeTest {

    private static final Slo SLO = new Slo(500, 50);

    /** Met its SLOs: first token 100 ms after arrival, then 10 tokens 20 ms apart. */
    private static RequestResult met(long id, double arrivalMs) {
        return RequestResult.completed(id, "c", SLO, arrivalMs, arrivalMs + 100, arrivalMs + 300, 11);
    }

    /** Missed its TTFT: the first token 2 s after arrival (as behind a frozen node). */
    private static RequestResult late(long id, double arrivalMs) {
        return RequestResult.completed(id, "c", SLO, arrivalMs, arrivalMs + 2_000, arrivalMs + 2_200, 11);
    }

    private static RequestResult rejected(long id, double arrivalMs) {
        return RequestResult.rejected(id, "c", SLO, arrivalMs, arrivalMs + 400, RejectReason.TTFT_UNATTAINABLE);
    }

    private final List<RequestResult> run = List.of(met(1, 0), met(2, 4_999), late(3, 5_000), rejected(4, 7_000),
            met(5, 9_999), met(6, 12_000));

    @Test
    void theWindowHoldsTheRequestsThatArrivedInIt() {
        assertEquals(List.of(3L, 4L, 5L), NodeFreeze.arrivedBetween(run, 5_000, 10_000).stream()
                .map(RequestResult::id).toList());
    }

    @Test
    void theTimelineGivesAdherenceAndMissesPerFiveSecondSliceOfArrival() {
        List<List<Object>> rows = NodeFreeze.timeline("x", run).rows();
        assertEquals(3, rows.size(), "slices from 0, 5 and 10 s");
        assertEquals(List.of("x", 0, 2, 1.0, 0, 0, 0), rows.get(0));
        assertEquals(List.of("x", 5, 3, 1.0 / 3, 1, 0, 1), rows.get(1));
        assertEquals(List.of("x", 10, 1, 1.0, 0, 0, 0), rows.get(2));
    }
}
