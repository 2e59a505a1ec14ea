package io.scorpio.core.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.scorpio.model.Slo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** Credit-based batching (spec 4). */
class CreditBatcherProperties {

    /** The TPOT SLOs of an admitted set: 1 to {@code max} requests, each 5 to 500 ms. */
    private static Gen<List<Double>> tpotSlos(int max) {
        return lists().of(doubles().between(5, 500)).ofSizeBetween(1, max);
    }

    private static RequestState admitted(AdmittedSet set, String id, double tpotMs) {
        RequestState r = new RequestState(new RequestSpec(id, 0, 10, 100, new Slo(1000, tpotMs)), set.size());
        r.phase = RequestState.Phase.RUNNING;
        set.add(r);
        return r;
    }

    @Test
    void theSpecsWorkedExample() {
        // TRP = 30/50 = 0.6: credit 0.6 (skip), 1.2 (run), 0.8 (skip), 1.4 (run), 1.0 (run).
        AdmittedSet set = new AdmittedSet();
        RequestState tight = admitted(set, "tight", 30);
        RequestState loose = admitted(set, "loose", 50);
        List<Boolean> runs = new ArrayList<>();
        for (int step = 0; step < 5; step++) {
            List<RequestState> batch = CreditBatcher.select(set, true);
            assertTrue(batch.contains(tight), "the tightest TPOT runs every step");
            runs.add(batch.contains(loose));
        }
        assertEquals(List.of(false, true, false, true, true), runs);
        assertEquals(0.0, loose.credit(), 1e-12);
    }

    @Test
    void eachRequestRunsInAFractionOfStepsThatConvergesToItsTrp() {
        qt().withFixedSeed(103).withExamples(300)
                .forAll(tpotSlos(12), integers().between(1, 3000))
                .checkAssert(CreditBatcherProperties::eachRequestRunsInAFractionOfStepsThatConvergesToItsTrp);
    }

    private static void eachRequestRunsInAFractionOfStepsThatConvergesToItsTrp(List<Double> tpots, int steps) {
        AdmittedSet set = new AdmittedSet();
        List<RequestState> rs = new ArrayList<>();
        for (int i = 0; i < tpots.size(); i++) {
            rs.add(admitted(set, "r" + i, tpots.get(i)));
        }
        Map<RequestState, Integer> runs = new HashMap<>();
        for (int step = 0; step < steps; step++) {
            for (RequestState r : CreditBatcher.select(set, true)) {
                runs.merge(r, 1, Integer::sum);
            }
        }
        for (RequestState r : rs) {
            double trp = set.trp(r);
            int ran = runs.getOrDefault(r, 0);
            // Credits carry the remainder, so the count never strays a whole run from steps * TRP.
            assertTrue(Math.abs(ran - steps * trp) <= 1 + 1e-6,
                    "ran " + ran + " of " + steps + " steps with TRP " + trp);
        }
    }

    @Test
    void withoutCreditsEveryAdmittedRequestRuns() {
        qt().withFixedSeed(104).withExamples(200)
                .forAll(tpotSlos(20))
                .checkAssert(tpots -> {
                    AdmittedSet set = new AdmittedSet();
                    for (int i = 0; i < tpots.size(); i++) {
                        admitted(set, "r" + i, tpots.get(i));
                    }
                    assertEquals(tpots.size(), CreditBatcher.select(set, false).size());
                });
    }

    @Test
    void prefillAwareCreditsRunEachRequestInAFractionStretchedByTheStallFactor() {
        qt().withFixedSeed(105).withExamples(200)
                .forAll(tpotSlos(12), doubles().between(1, 10), integers().between(1, 2000))
                .checkAssert(CreditBatcherProperties::prefillAwareCreditsRunEachRequestInAFractionStretchedByTheStallFactor);
    }

    private static void prefillAwareCreditsRunEachRequestInAFractionStretchedByTheStallFactor(
            List<Double> tpots, double stallFactor, int steps) {
        AdmittedSet set = new AdmittedSet();
        List<RequestState> rs = new ArrayList<>();
        for (int i = 0; i < tpots.size(); i++) {
            rs.add(admitted(set, "r" + i, tpots.get(i)));
        }
        Map<RequestState, Integer> runs = new HashMap<>();
        for (int step = 0; step < steps; step++) {
            for (RequestState r : CreditBatcher.select(set, true, stallFactor)) {
                runs.merge(r, 1, Integer::sum);
            }
        }
        for (RequestState r : rs) {
            double fraction = r.tpotSloMs() == set.tMin() ? 1 : Math.min(1, stallFactor * set.trp(r));
            int ran = runs.getOrDefault(r, 0);
            assertTrue(Math.abs(ran - steps * fraction) <= 1 + 1e-6,
                    "ran " + ran + " of " + steps + " steps, expected fraction " + fraction);
        }
    }
}
