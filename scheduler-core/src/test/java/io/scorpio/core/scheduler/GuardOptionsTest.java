package io.scorpio.core.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.policy.GuardOptions;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.RejectReason;
import io.scorpio.model.Slo;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The options beyond the paper, on scenarios worked by hand (timing as in {@link Scenario}). */
class GuardOptionsTest {

    @Test
    @DisplayName("best effort: an unattainable request waits at low priority and is served when the queue is empty")
    void bestEffortServesInsteadOfRejecting() {
        List<String> schedule = new Scenario(Policy.SCORPIO_TTFT_ONLY)
                .config(SchedulerConfig.PAPER.withBudgets(16, 256))
                .options(GuardOptions.NONE.withBestEffort(true))
                .request("A", 0, 10, 2, 1000, 50)
                .request("B", 0, 10, 1, 300, 50)
                .request("C", 0, 10, 1, 60, 50)
                .request("D", 0, 10, 1, 80, 50)
                .run();
        assertEquals(List.of(
                "t=0 demote C",           // the same test that rejects it without the option
                "t=0 prefill [D]",
                "t=20 finish D",
                "t=20 prefill [B]",
                "t=40 finish B",
                "t=40 prefill [A]",       // the queue is now empty, but C would overflow the 16-token budget
                "t=60 prefill [C]",
                "t=80 finish C",
                "t=80 decode [A]",
                "t=90 finish A"), schedule);
    }

    @Test
    @DisplayName("best effort: a request no spare capacity reaches within the starvation limit is rejected after all")
    void bestEffortExpires() {
        Scheduler s = new Scheduler(Policy.SCORPIO, SchedulerConfig.PAPER.withStarvationLimitMs(1_000),
                GuardOptions.NONE.withBestEffort(true), Scenario.DECODE, Scenario.PREFILL);
        s.submit(new RequestSpec("late", 0, 10, 5, new Slo(10, 50)), 0);
        // Keep the regular queue from ever emptying, so that spare capacity never comes: one 1,000-token
        // prompt fits a prefill, and more arrive before every step.
        for (int i = 0; i < 3; i++) {
            s.submit(new RequestSpec("busy" + i, 0, 1000, 1, new Slo(100_000, 50)), 0);
        }
        Iteration first = s.schedule(0);
        assertEquals(List.of("late"), first.demoted().stream().map(RequestState::id).toList());
        assertTrue(s.find("late").isBestEffort());
        s.complete(StepResult.of(20), 20);
        double now = 20;
        int iterations = 0;
        while (s.find("late") != null && iterations++ < 1_000) {
            for (int i = 0; i < 3; i++) {
                s.submit(new RequestSpec("w" + iterations + "-" + i, now, 1000, 1, new Slo(100_000, 50)), now);
            }
            Iteration it = s.schedule(now);
            now += 20;
            if (!(it.step() instanceof StepPlan.Idle)) {
                s.complete(StepResult.of(20), now);
            }
            for (Rejection r : it.rejections()) {
                assertEquals("late", r.request().id());
                assertEquals(RejectReason.TTFT_UNATTAINABLE, r.reason());
                assertTrue(now >= 1_000);
            }
        }
        assertEquals(null, s.find("late"), "it ended");
    }

    @Test
    @DisplayName("low-load fallback: under light load credits are off and every admitted request decodes")
    void lowLoadFallbackDropsCreditsUnderLightLoad() {
        // load = step(n) * gamma / T_min = (8 + 2 * 2) * 1.3 / 50 = 0.31 < 0.5: light.
        List<String> withFallback = new Scenario(Policy.SCORPIO)
                .options(GuardOptions.NONE.withLowLoadFallback(true))
                .request("A", 0, 4, 3, 1000, 50)
                .request("B", 0, 4, 3, 1000, 100)
                .run();
        assertEquals(List.of(
                "t=0 prefill [A B]",
                "t=20 decode [A B]",
                "t=32 decode [A B]",
                "t=44 finish A",
                "t=44 finish B"), withFallback);
        List<String> paper = new Scenario(Policy.SCORPIO)
                .request("A", 0, 4, 3, 1000, 50)
                .request("B", 0, 4, 3, 1000, 100)
                .run();
        assertEquals(List.of(
                "t=0 prefill [A B]",
                "t=20 decode [A]",        // B: TRP 0.5
                "t=30 decode [A B]",
                "t=42 finish A",
                "t=42 decode [B]",
                "t=52 finish B"), paper);
    }

    @Test
    @DisplayName("low-load fallback: between the two thresholds the mode holds, so it does not oscillate")
    void lowLoadFallbackHasHysteresis() {
        // All TPOT 50: load = (8 + 2n) * 1.3 / 50, light below 0.5 (n <= 5), heavy above 0.8 (n >= 12).
        Scheduler s = new Scheduler(Policy.SCORPIO, SchedulerConfig.PAPER, GuardOptions.NONE.withLowLoadFallback(true),
                Scenario.DECODE, Scenario.PREFILL);
        double[] now = {0};
        java.util.function.IntConsumer burst = n -> {
            for (int i = 0; i < n; i++) {
                s.submit(new RequestSpec("r" + now[0] + "-" + i, now[0], 1, 1, new Slo(100_000, 50)), now[0]);
            }
            s.schedule(now[0]);
            now[0] += 20;
            s.complete(StepResult.of(20), now[0]); // max_tokens 1: every admitted request ends here
        };
        burst.accept(12);
        assertFalse(s.lightLoadMode(), "12 requests: heavy");
        burst.accept(8);
        assertFalse(s.lightLoadMode(), "8 requests lie between the thresholds: still heavy");
        burst.accept(3);
        assertTrue(s.lightLoadMode(), "3 requests: light");
        burst.accept(8);
        assertTrue(s.lightLoadMode(), "8 requests: still light");
        assertEquals(2, s.loadModeSwitches(), "from the empty engine's light to heavy, then light: two switches");
    }

    @Test
    void thresholdsMustBeOrdered() {
        assertThrows(IllegalArgumentException.class, () -> new GuardOptions(true, 0.9, 0.5, false, false, false));
    }
}
