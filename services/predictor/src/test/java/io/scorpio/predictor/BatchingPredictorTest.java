package io.scorpio.predictor;

import io.scorpio.predictor.data.ArenaHardDataset;
import io.scorpio.predictor.data.DatasetSplit;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchingPredictorTest {

    @Test
    void concurrentRequestsGetTheirOwnOneByOneResults() throws Exception {
        List<String> texts = LengthPredictorTest.prompts(
                DatasetSplit.of(ArenaHardDataset.load(), DatasetSplit.DEFAULT_SEED).test(), 24);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try (LengthPredictor predictor = LengthPredictor.open(ModelCatalog.defaultModelDir());
             BatchingPredictor front = new BatchingPredictor(predictor, 8, Duration.ofMillis(20), 100)) {
            List<CompletableFuture<Prediction>> futures = new ArrayList<>();
            for (String text : texts) {
                futures.add(CompletableFuture.supplyAsync(() -> front.submit(text), callers).thenCompose(f -> f));
            }
            for (int i = 0; i < texts.size(); i++) {
                assertEquals(predictor.predict(texts.get(i)), futures.get(i).get(), "request " + i);
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aClosedFrontFailsRequestsClearly() {
        try (LengthPredictor predictor = LengthPredictor.open(ModelCatalog.defaultModelDir())) {
            BatchingPredictor front = new BatchingPredictor(predictor);
            front.close();
            CompletionException e = assertThrows(CompletionException.class, () -> front.submit("hello").join());
            assertTrue(e.getCause().getMessage().contains("closed"));
        }
    }
}
