package io.scorpio.experiments.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.RejectReason;
import io.scorpio.model.Slo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec section 1, on hand-computed examples. */
class RunSummaryTest {

    private static final Slo TIGHT = Slo.ofSeconds(0.5, 30); // class "1"
    private static final Slo LOOSE = Slo.ofSeconds(7.5, 50); // class "6"

    @Test
    void ttftAndTpotOfACompletedRequest() {
        // arrives at 1,000, first token at 1,400, last of 11 tokens at 1,700: TTFT 400, TPOT (700 - 400) / 10 = 30
        var r = RequestResult.completed(1, "1", TIGHT, 1000, 1400, 1700, 11);
        assertEquals(400, r.ttftMs());
        assertEquals(700, r.e2eMs());
        assertEquals(30, r.tpotMs(), 1e-12);
        assertTrue(r.compliant(), "TTFT 400 <= 500 and TPOT 30 <= 30: both bounds are inclusive");
    }

    @Test
    void aSingleTokenRequestHasTpotZero() {
        var r = RequestResult.completed(1, "1", TIGHT, 0, 100, 100, 1);
        assertEquals(0, r.tpotMs());
        assertTrue(r.compliant());
    }

    @Test
    void rejectedRequestsAreNeverCompliantAndHaveNoTokens() {
        var r = RequestResult.rejected(1, "1", TIGHT, 0, 5, RejectReason.TTFT_UNATTAINABLE);
        assertFalse(r.compliant());
        assertFalse(r.ttftViolated(), "a rejection is counted as a rejection, not as a TTFT violation");
        assertThrows(IllegalArgumentException.class, () -> new RequestResult(1, "1", TIGHT, 0, Double.NaN, 5, 0,
                io.scorpio.model.RequestOutcome.REJECTED, null, null), "a rejection needs its reason");
    }

    @Test
    void aSummaryOfFiveRequests() {
        List<RequestResult> rs = List.of(
                // compliant: TTFT 200, TPOT (1,200 - 200) / 40 = 25
                RequestResult.completed(0, "1", TIGHT, 0, 200, 1200, 41),
                // TTFT violation only: TTFT 600 > 500, TPOT (1,600 - 600) / 50 = 20
                RequestResult.completed(1, "1", TIGHT, 1000, 1600, 2600, 51),
                // TPOT violation only (class 6): TTFT 1,000, TPOT (7,000 - 1,000) / 100 = 60 > 50
                RequestResult.completed(2, "6", LOOSE, 2000, 3000, 9000, 101),
                // rejected at 3,010
                RequestResult.rejected(3, "1", TIGHT, 3000, 3010, RejectReason.TTFT_UNATTAINABLE),
                // aborted after 5 tokens
                RequestResult.aborted(4, "6", LOOSE, 4000, 4100, 5000, 5));
        RunSummary s = RunSummary.of(rs);
        var all = s.all();
        assertEquals(5, all.submitted());
        assertEquals(3, all.completed());
        assertEquals(1, all.compliant());
        assertEquals(1, all.rejected());
        assertEquals(1, all.aborted());
        assertEquals(0, all.failed());
        assertEquals(1, all.ttftViolations());
        assertEquals(1, all.tpotViolations());
        // duration: first arrival 0 to last end 9,000 ms
        assertEquals(9000, s.durationMs());
        assertEquals(1 / 9.0, s.goodput(), 1e-12);
        assertEquals(0.2, s.adherence(), 1e-12);

        var c1 = s.perClass().get("1");
        assertEquals(3, c1.submitted());
        assertEquals(1, c1.compliant());
        assertEquals(1, c1.rejected());
        assertEquals(1 / 3.0, c1.adherence(), 1e-12);
        var c6 = s.perClass().get("6");
        assertEquals(2, c6.submitted());
        assertEquals(0, c6.compliant());
        assertEquals(List.of("1", "6"), List.copyOf(s.perClass().keySet()));

        // percentiles over the 3 completed: TTFT 200, 600, 1,000
        assertEquals(600, s.ttft().p50());
        assertEquals(600, s.ttft().mean(), 1e-12);
        assertEquals(1000, s.ttft().p99());
        assertEquals(25, s.tpot().p50(), 1e-12);
    }

    @Test
    void anEmptyRunHasZeroGoodputAndAdherence() {
        RunSummary s = RunSummary.of(List.of());
        assertEquals(0, s.goodput());
        assertEquals(0, s.adherence());
        assertTrue(Double.isNaN(s.ttft().p50()));
    }
}
