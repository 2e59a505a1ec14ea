package io.scorpio.server.guard;

import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.model.Slo;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.cluster.WireFormat;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class PredictedOutputTest {

    @Test
    void aPredictionAboveMaxTokensIsClampedToIt() {
        assertEquals(64, PredictedOutput.forSpec(3500, 64));
        assertEquals(300, PredictedOutput.forSpec(300, 512));
        assertEquals(512, PredictedOutput.forSpec(512, 512));
        assertEquals(0, PredictedOutput.forSpec(0, 16));
    }

    @Test
    void noPredictionStaysNoPredictionSoMaxTokensStandsIn() {
        assertEquals(RequestSpec.NO_PREDICTION, PredictedOutput.forSpec(-1, 64));
    }

    @Test
    void aSubmissionFromAnotherNodeGetsTheClampedPrediction() {
        Messages.Submit submit = new Messages.Submit("r1", 0, 20, 64, new Slo(1000, 100), 3500, "Write an essay.");
        RequestSpec spec = WireFormat.spec(WireFormat.submit(submit, 5, "node-a", true), 10);
        assertEquals(64, spec.maxTokens());
        assertEquals(64, spec.predictedOutputTokens());

        Messages.Submit none = new Messages.Submit("r2", 0, 20, 64, new Slo(1000, 100), -1, "Hi");
        assertFalse(WireFormat.spec(WireFormat.submit(none, 5, "node-a", true), 10).hasPrediction());
    }
}
