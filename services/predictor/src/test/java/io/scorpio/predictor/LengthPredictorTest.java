package io.scorpio.predictor;

import io.scorpio.predictor.data.ArenaHardDataset;
import io.scorpio.predictor.data.DatasetSplit;
import io.scorpio.predictor.data.LengthSample;
import io.scorpio.predictor.metrics.BinMetrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped model predicting from text, end to end through ONNX Runtime. */
class LengthPredictorTest {

    static LengthPredictor predictor;
    static DatasetSplit split;

    @BeforeAll
    static void open() {
        predictor = LengthPredictor.open(ModelCatalog.defaultModelDir());
        split = DatasetSplit.of(ArenaHardDataset.load(), DatasetSplit.DEFAULT_SEED);
    }

    @AfterAll
    static void close() {
        predictor.close();
    }

    @Test
    void predictsABinAndItsMidpointFromText() {
        Prediction p = predictor.predict("Write a Python function that merges two sorted lists, with tests.");
        assertTrue(p.bin() >= 0 && p.bin() < 100, "bin " + p.bin());
        assertEquals(p.bin() * 82 + 41, p.predictedLength());
        assertEquals(ExecutionDevice.CPU, predictor.device(), "no GPU build on the test classpath");
    }

    @Test
    void isDeterministic() {
        List<String> texts = prompts(split.test(), 8);
        float[][] first = predictor.binScores(texts);
        float[][] again = predictor.binScores(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(first[i], again[i], "scores of row " + i);
        }
        try (LengthPredictor other = LengthPredictor.open(ModelCatalog.defaultModelDir())) {
            assertEquals(predictor.predictBatch(texts), other.predictBatch(texts), "a second instance agrees");
        }
    }

    @Test
    void batchedResultsEqualOneByOneResults() {
        // 40 real prompts of very different lengths, so batches are heavily padded; and a batch above MAX_BATCH.
        List<String> texts = prompts(split.test(), 40);
        List<Prediction> batched = predictor.predictBatch(texts);
        float[][] batchedScores = predictor.binScores(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(predictor.predict(texts.get(i)), batched.get(i), "row " + i);
            float[] single = predictor.binScores(List.of(texts.get(i)))[0];
            for (int k = 0; k < single.length; k++) {
                assertEquals(single[k], batchedScores[i][k], 1e-4, "row " + i + " bin " + k);
            }
        }
    }

    @Test
    void truncatesLongInputToTheModelLimit() {
        String longText = "Explain every step in detail. ".repeat(2000); // about 12,000 tokens
        PromptTokenizer tokenizer = new PromptTokenizer(
                ModelFolder.open(ModelCatalog.defaultModelDir()).tokenizerJson(), predictor.card().maxInputTokens());
        PromptTokenizer.TokenizedPrompt t = tokenizer.tokenize(longText);
        tokenizer.close();
        assertEquals(256, t.ids().length, "ids truncated to maxInputTokens");
        assertEquals(102, t.ids()[255], "the [SEP] token is kept at the end");
        assertTrue(t.fullTokenCount() > 10_000, "prompt_tokens counts the whole prompt: " + t.fullTokenCount());
        Prediction p = predictor.predict(longText);
        assertTrue(p.bin() >= 0 && p.bin() < 100);
        assertEquals(predictor.predict(longText), predictor.predictBatch(List.of(longText, "hi")).get(0));
    }

    @Test
    void reproducesTheTestMetricsOfItsCard() {
        List<LengthSample> test = split.test();
        List<Prediction> predictions = predictor.predictBatch(test.stream().map(LengthSample::prompt).toList());
        int[] bins = predictions.stream().mapToInt(Prediction::bin).toArray();
        BinMetrics measured = BinMetrics.of(DatasetSplit.outputLengths(test), bins, predictor.binning());
        BinMetrics card = predictor.card().metrics().get("model");
        assertEquals(card.rows(), measured.rows());
        assertEquals(card.accuracy(), measured.accuracy(), 1e-9);
        assertEquals(card.offBy1(), measured.offBy1(), 1e-9);
        assertEquals(card.offBy2(), measured.offBy2(), 1e-9);
        assertEquals(card.rmse(), measured.rmse(), 1e-6);
        assertEquals(card.kendallTau(), measured.kendallTau(), 1e-9);
    }

    static List<String> prompts(List<LengthSample> samples, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(samples.get(i % samples.size()).prompt());
        }
        return out;
    }
}
