package io.scorpio.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyTest {

    @Test
    void allSevenPoliciesOfTheSpecByName() {
        assertEquals(List.of("vllm", "s3", "mooncake", "mooncake-early-reject", "scorpio-ttft-only",
                "scorpio-tpot-only", "scorpio"), Policy.names());
        assertEquals(Policy.SCORPIO, Policy.named(" Scorpio "));
    }

    @Test
    void theTableOfSection6() {
        assertEquals(new Policy("scorpio", QueueOrder.DEADLINE, RejectionRule.UNATTAINABLE_TTFT, true, true, true),
                Policy.SCORPIO);
        assertEquals(QueueOrder.PREDICTED_LENGTH, Policy.S3.order());
        assertEquals(RejectionRule.MOONCAKE_EARLY, Policy.MOONCAKE_EARLY_REJECT.rejection());
        assertEquals(RejectionRule.UNATTAINABLE_TTFT, Policy.MOONCAKE.rejection());
        assertTrue(Policy.SCORPIO_TPOT_ONLY.credits() && !Policy.SCORPIO_TTFT_ONLY.credits());
    }

    @Test
    void unknownNamesAreRefusedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Policy.named("fifo"));
        assertTrue(e.getMessage().contains("scorpio-ttft-only"), e.getMessage());
    }

    @Test
    void paperDefaultsAndValidation() {
        SchedulerConfig c = SchedulerConfig.PAPER;
        assertEquals(1.3, c.gamma());
        assertEquals(50, c.rejectionMarginMs());
        assertEquals(1024, c.maxNumBatchedTokens());
        assertEquals(256, c.maxNumSeqs());
        assertEquals(20_000, c.kvBlocks());
        assertEquals(16, c.blockSize());
        assertEquals(200, c.watermarkBlocks());
        assertThrows(IllegalArgumentException.class, () -> c.withGamma(0));
        assertThrows(IllegalArgumentException.class, () -> c.withGamma(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> c.withStarvationLimitMs(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> c.withWatermark(1));
    }
}
