package io.scorpio.predictor;

import io.scorpio.predictor.binning.EqualFrequencyBinning;
import io.scorpio.predictor.binning.EqualWidthBinning;
import io.scorpio.predictor.binning.LengthBinning;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelCardTest {

    @Test
    void binningRoundTripsThroughTheCard() {
        LengthBinning width = new EqualWidthBinning(50);
        assertEquals(width, ModelCard.Binning.of(width).toLengthBinning());
        assertEquals(164, ModelCard.Binning.of(width).bucketSize());
        LengthBinning frequency = EqualFrequencyBinning.fromTrainingLengths(3, new int[]{100, 200, 300, 400});
        assertEquals(frequency, ModelCard.Binning.of(frequency).toLengthBinning());
    }

    @Test
    void badEqualFrequencyBoundariesAreAContractError() {
        ModelCard.Binning b = new ModelCard.Binning("equal-frequency", 2, null, 8192, new double[]{0, 9000, 8192});
        ModelContractException e = assertThrows(ModelContractException.class, b::toLengthBinning);
        assertTrue(e.getMessage().contains("must not decrease"), e.getMessage());
    }
}
