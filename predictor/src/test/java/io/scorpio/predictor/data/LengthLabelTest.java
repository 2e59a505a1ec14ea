package io.scorpio.predictor.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LengthLabelTest {

    private static final int CAP = 8000;

    @Test
    void theMedianOfFinishedSamples() {
        assertEquals(new LengthLabel(300, false), LengthLabel.medianOf(new int[]{100, 300, 500}, CAP));
        assertEquals(new LengthLabel(250, false), LengthLabel.medianOf(new int[]{400, 100, 200, 300}, CAP));
        assertEquals(new LengthLabel(42, false), LengthLabel.medianOf(new int[]{42}, CAP));
    }

    @Test
    void runawaySamplesRankHighButDoNotMoveAnExactMedian() {
        // 4 of 10 ran away: the 5th and 6th samples are still finished answers, so the median is exact
        int[] samples = {200, 15001, 220, 15001, 240, 260, 15001, 280, 300, 15001};
        assertEquals(new LengthLabel(290, false), LengthLabel.medianOf(samples, CAP), "the 5th and 6th of 10: 280 and 300");
    }

    @Test
    void halfOrMoreRunawayMakesTheLabelCensoredNeverAClassOfItsOwn() {
        int[] five = {200, 15001, 220, 15001, 240, 15001, 15001, 280, 300, 15001};
        LengthLabel label = LengthLabel.medianOf(five, CAP);
        assertEquals(true, label.censored());
        assertEquals(300, label.length(), "a lower bound: the 5th sample, the longest finished one");
        assertEquals(new LengthLabel(CAP, true), LengthLabel.medianOf(new int[]{15001, 15001, 9000}, CAP));
    }
}
