package io.scorpio.server.bus;

import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.model.Slo;
import io.scorpio.server.cluster.WireFormat;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The output length O the guard gives the scheduler: the prediction, never above max_tokens. */
class SubmitSpecTest {

    private static int specO(int predicted, int maxTokens) {
        return new Messages.Submit("r", 0, 20, maxTokens, new Slo(1000, 100), predicted, "p").spec(0).predictedOutputTokens();
    }

    @Test
    void aPredictionAboveMaxTokensIsClampedToIt() {
        assertEquals(64, specO(3500, 64));
        assertEquals(300, specO(300, 512));
        assertEquals(512, specO(512, 512));
        assertEquals(0, specO(0, 16));
    }

    @Test
    void noPredictionStaysNoPredictionSoMaxTokensStandsIn() {
        assertEquals(RequestSpec.NO_PREDICTION, specO(-1, 64));
    }

    @Test
    void aSubmissionFromAnotherNodeGetsTheClampedPredictionOnTheReceiversClock() {
        Messages.Submit submit = new Messages.Submit("r1", 0, 20, 64, new Slo(1000, 100), 3500, "Write an essay.");
        Messages.Submit received = WireFormat.submit(WireFormat.submit(submit, 5, "node-a", true), 10);
        RequestSpec spec = received.spec(received.arrivalMs());
        assertEquals(5, spec.arrivalMs(), 1e-9); // 5 ms old when sent, received at 10 on the other clock
        assertEquals(64, spec.maxTokens());
        assertEquals(64, spec.predictedOutputTokens());
        assertEquals("Write an essay.", received.prompt());

        Messages.Submit none = new Messages.Submit("r2", 0, 20, 64, new Slo(1000, 100), -1, "Hi");
        Messages.Submit noneReceived = WireFormat.submit(WireFormat.submit(none, 5, "node-a", false), 10);
        assertFalse(noneReceived.spec(noneReceived.arrivalMs()).hasPrediction());
        assertEquals("", noneReceived.prompt()); // a quote carries no prompt
    }
}
