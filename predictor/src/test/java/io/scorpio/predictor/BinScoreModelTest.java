package io.scorpio.predictor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The loader still runs models whose output is bin scores (outputKind absent or "bin-scores"): the previous default,
 * onnx-models/minilm-l6-length100, kept as that kind's example.
 */
class BinScoreModelTest {

    @Test
    void thePreviousClassifierPredictsABinMidpoint() {
        try (LengthPredictor p = LengthPredictor.open(ModelCatalog.modelsRoot().resolve("minilm-l6-length100"))) {
            assertFalse(p.card().predictsLength());
            Prediction x = p.predict("Write a Python function that merges two sorted lists, with tests.");
            assertEquals(x.bin() * 82 + 41, x.predictedLength());
            assertEquals(100, p.binScores(java.util.List.of("hi"))[0].length);
        }
    }
}
