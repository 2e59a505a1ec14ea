package io.scorpio.core.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Each policy of spec 6 on a small scenario worked by hand. Timing, unless a test says otherwise
 * (see {@link Scenario}): a prefill takes 20 ms, a decode of B sequences 8 + 2B ms; rejection margin 50 ms.
 * Where a test narrows the prefill budget to 16 tokens, two 10-token prompts cannot share a prefill.
 */
class PolicyScenarioTest {

    private static final SchedulerConfig ONE_PROMPT_PER_PREFILL = SchedulerConfig.PAPER.withBudgets(16, 256);

    @Test
    @DisplayName("vllm: first come first served, prefill first, then all running requests decode together")
    void vllm() {
        List<String> schedule = new Scenario(Policy.VLLM).config(ONE_PROMPT_PER_PREFILL)
                .request("A", 0, 10, 3, 1000, 50)
                .request("B", 0, 10, 2, 1000, 50)
                .request("C", 5, 10, 1, 1000, 50)
                .run();
        assertEquals(List.of(
                "t=0 prefill [A]",        // A and B together would be 20 > 16 tokens
                "t=20 prefill [B]",       // C arrived at 5 and waits behind B
                "t=40 prefill [C]",
                "t=60 finish C",          // its one token came from the prefill
                "t=60 decode [A B]",      // 8 + 2*2 = 12 ms
                "t=72 finish B",
                "t=72 decode [A]",
                "t=82 finish A"), schedule);
    }

    @Test
    @DisplayName("s3: shortest predicted output first")
    void s3() {
        List<String> schedule = new Scenario(Policy.S3).config(ONE_PROMPT_PER_PREFILL)
                .request("A", 0, 10, 5, 1000, 50, 400)
                .request("B", 0, 10, 2, 1000, 50, 20)
                .request("C", 0, 10, 3, 1000, 50, 100)
                .run();
        assertEquals(List.of(
                "t=0 prefill [B]",        // predicted 20 < 100 < 400
                "t=20 prefill [C]",
                "t=40 prefill [A]",
                "t=60 decode [B C A]",    // 14 ms
                "t=74 finish B",
                "t=74 decode [C A]",
                "t=86 finish C",
                "t=86 decode [A]",
                "t=96 decode [A]",
                "t=106 finish A"), schedule);
    }

    @Test
    @DisplayName("mooncake: FCFS with Scorpio's rejection pass every iteration")
    void mooncake() {
        List<String> schedule = new Scenario(Policy.MOONCAKE).config(ONE_PROMPT_PER_PREFILL)
                .request("A", 0, 10, 2, 1000, 50)
                .request("B", 0, 10, 1, 100, 50)
                .request("C", 0, 10, 1, 75, 50)
                .run();
        assertEquals(List.of(
                // t=0: C's slack 75 >= T_prefill(30) + 50 = 70: kept.
                "t=0 prefill [A]",
                // t=20: B slack 80 >= 70; C slack 55 < 20 + 50: rejected.
                "t=20 reject C TTFT_UNATTAINABLE",
                "t=20 prefill [B]",
                "t=40 finish B",
                "t=40 decode [A]",
                "t=50 finish A"), schedule);
    }

    @Test
    @DisplayName("mooncake-early-reject: each request judged once, on arrival, on TTFT and TPOT")
    void mooncakeEarlyReject() {
        List<String> schedule = new Scenario(Policy.MOONCAKE_EARLY_REJECT).config(ONE_PROMPT_PER_PREFILL)
                .request("A", 0, 10, 2, 1000, 50)
                .request("B", 0, 10, 1, 15, 50)   // 15 < T_prefill(20) = 20
                .request("C", 0, 10, 1, 1000, 9)  // 9 < step(1, I + O/2) = 10
                .request("D", 30, 10, 1, 25, 50)  // 25 >= T_prefill(10): kept, and never judged again
                .run();
        assertEquals(List.of(
                "t=0 reject B TTFT_UNATTAINABLE",
                "t=0 reject C TPOT_UNATTAINABLE",
                "t=0 prefill [A]",
                "t=20 decode [A]",
                "t=30 finish A",
                "t=30 prefill [D]",
                "t=50 finish D"), schedule);
    }

    @Test
    @DisplayName("scorpio-ttft-only: least deadline first, with rejection")
    void scorpioTtftOnly() {
        List<String> schedule = new Scenario(Policy.SCORPIO_TTFT_ONLY).config(ONE_PROMPT_PER_PREFILL)
                .request("A", 0, 10, 2, 1000, 50)
                .request("B", 0, 10, 1, 300, 50)
                .request("C", 0, 10, 1, 60, 50)
                .request("D", 0, 10, 1, 80, 50)
                .run();
        assertEquals(List.of(
                // deadlines: C 60, D 80, B 300, A 1000. C: 60 < T_prefill(10) + 50 = 70.
                "t=0 reject C TTFT_UNATTAINABLE",
                "t=0 prefill [D]",
                "t=20 finish D",
                "t=20 prefill [B]",
                "t=40 finish B",
                "t=40 prefill [A]",
                "t=60 decode [A]",
                "t=70 finish A"), schedule);
    }

    @Test
    @DisplayName("scorpio-tpot-only: FCFS, VBS admission and credits; an empty engine takes a blocked head")
    void scorpioTpotOnly() {
        // With step = 8 + 2B, gamma 1.3 and headroom 0.99: admit while (8 + 2 VBS') * 1.3 < 0.99 T_min'.
        List<String> schedule = new Scenario(Policy.SCORPIO_TPOT_ONLY)
                .request("A", 0, 4, 4, 1000, 30)
                .request("B", 0, 4, 3, 1000, 60)
                .request("C", 0, 4, 2, 1000, 10)
                .run();
        assertEquals(List.of(
                // B: VBS' = 30 (1/30 + 1/60) = 1.5, 11 * 1.3 = 14.3 < 29.7: admitted.
                // C: T_min' = 10, VBS' = 1.5, 14.3 >= 9.9: blocked, and nothing behind it.
                "t=0 prefill [A B]",
                "t=20 decode [A]",        // B: TRP 0.5, credit 0.5: skips
                "t=30 decode [A B]",      // B: credit 1.0: runs, pays 1
                "t=42 decode [A]",        // B: credit 0.5
                "t=52 finish A",
                "t=52 decode [B]",        // T_min is now 60: B runs every step
                "t=62 finish B",
                "t=62 prefill [C]",       // C could never pass, but the engine is empty
                "t=82 decode [C]",
                "t=92 finish C"), schedule);
    }

    @Test
    @DisplayName("scorpio: LDF, rejection, VBS admission and credits together")
    void scorpio() {
        List<String> schedule = new Scenario(Policy.SCORPIO)
                .request("A", 0, 4, 3, 1000, 30)
                .request("B", 0, 4, 2, 500, 60)
                .request("C", 0, 4, 1, 60, 50)
                .request("D", 0, 4, 2, 2000, 10)
                .run();
        assertEquals(List.of(
                // LDF: C 60, B 500, A 1000, D 2000. C: slack 60 < T_prefill(4) + 50.
                "t=0 reject C TTFT_UNATTAINABLE",
                // B admitted into the empty set; A: VBS' 1.5, 14.3 < 29.7; D: 14.3 >= 9.9, blocked.
                "t=0 prefill [B A]",
                "t=20 decode [A]",        // B: TRP 30/60, credit 0.5
                "t=30 decode [B A]",      // B: credit 1.0
                "t=42 finish B",
                "t=42 finish A",
                "t=42 prefill [D]",
                "t=62 decode [D]",
                "t=72 finish D"), schedule);
    }

    @Test
    @DisplayName("recompute preemption: out of KV blocks, the most recently admitted request goes back")
    void preemption() {
        // 3 blocks of 16 tokens, no watermark: two 16-token prompts take one block each.
        SchedulerConfig tinyCache = SchedulerConfig.PAPER.withKvBlocks(3).withWatermark(0);
        List<String> schedule = new Scenario(Policy.VLLM).config(tinyCache)
                .request("A", 0, 16, 5, 1000, 50)
                .request("B", 0, 16, 3, 1000, 50)
                .run();
        assertEquals(List.of(
                "t=0 prefill [A B]",
                // Token 17 of each needs a second block: A takes the last one, B preempts itself.
                "t=20 preempt B",
                "t=20 decode [A]",
                "t=30 decode [A]",        // B's recompute needs 2 blocks, 1 is free
                "t=40 decode [A]",
                "t=50 decode [A]",
                "t=60 finish A",
                "t=60 prefill [B]",       // recompute of 16 + 1 tokens
                "t=80 decode [B]",
                "t=90 finish B"), schedule);
    }

    @Test
    @DisplayName("a prompt over the prefill budget is refused at once, never left in the queue")
    void promptTooLong() {
        List<String> schedule = new Scenario(Policy.SCORPIO)
                .request("A", 0, 1025, 2, 1000, 50)
                .request("B", 0, 10, 1, 1000, 50)
                .run();
        assertEquals(List.of(
                "t=0 refuse A PROMPT_TOO_LONG",
                "t=0 prefill [B]",
                "t=20 finish B"), schedule);
    }
}
