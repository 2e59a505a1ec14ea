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
import java.util.concurrent.RejectedExecutionException;
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
    void theDefaultFrontRunsPromptsInParallelWithTheSameResults() throws Exception {
        List<String> texts = LengthPredictorTest.prompts(
                DatasetSplit.of(ArenaHardDataset.load(), DatasetSplit.DEFAULT_SEED).test(), 24);
        try (LengthPredictor predictor = LengthPredictor.open(ModelCatalog.defaultModelDir());
             BatchingPredictor front = new BatchingPredictor(predictor)) {
            // the shipped int8 model runs prompts one at a time, one worker per core
            assertEquals(false, predictor.card().mayBatchPrompts());
            List<CompletableFuture<Prediction>> futures = new ArrayList<>();
            for (String text : texts) {
                futures.add(front.submit(text));
            }
            for (int i = 0; i < texts.size(); i++) {
                assertEquals(predictor.predict(texts.get(i)), futures.get(i).get(), "request " + i);
            }
            assertEquals(texts.size(), front.requestsRun());
            assertEquals(texts.size(), front.batchesRun(), "batches of one");
        }
    }

    @Test
    void aFullQueueRejectsAtOnce() {
        String longPrompt = "Describe the history of every country in Europe in detail. ".repeat(40);
        try (LengthPredictor predictor = LengthPredictor.open(ModelCatalog.defaultModelDir());
             BatchingPredictor front = new BatchingPredictor(predictor, 1, Duration.ZERO, 1)) {
            // Capacity 1: while the first request waits or runs (tens of ms), at most one more fits in the queue.
            CompletableFuture<Prediction> a = front.submit(longPrompt);
            CompletableFuture<Prediction> b = front.submit(longPrompt);
            CompletableFuture<Prediction> c = front.submit(longPrompt);
            long rejected = List.of(a, b, c).stream().filter(f -> {
                try {
                    f.join();
                    return false;
                } catch (CompletionException e) {
                    return e.getCause() instanceof RejectedExecutionException;
                }
            }).count();
            assertTrue(rejected >= 1, "a full queue must reject");
            assertEquals(predictor.predict(longPrompt), a.join());
        }
    }

    @Test
    void requestsWhoseCallerGaveUpLeaveTheQueueAndNeverRun() throws Exception {
        String prompt = "Describe the history of every country in Europe in detail. ".repeat(40);
        try (LengthPredictor predictor = LengthPredictor.open(ModelCatalog.defaultModelDir());
             BatchingPredictor front = new BatchingPredictor(predictor, 1, Duration.ZERO, 100)) {
            java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
            front.observe((size, nanos) -> ran.addAndGet(size));
            CompletableFuture<Prediction> first = front.submit(prompt);
            List<CompletableFuture<Prediction>> abandoned = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                abandoned.add(front.submit(prompt));
            }
            abandoned.forEach(f -> f.cancel(false)); // the callers stopped waiting (as orTimeout does)
            first.get();
            assertEquals(predictor.predict(prompt), front.submit(prompt).get(), "a later request is served");
            // The first (maybe one more, taken before it was cancelled) and the later one ran; the abandoned did not.
            assertTrue(ran.get() <= 3, ran.get() + " predictions ran");
            assertTrue(front.abandoned() >= 19, front.abandoned() + " abandoned");
            assertEquals(0, front.queued());
        }
    }

    @Test
    void aMegabytePromptCostsNoMoreThanAFewShortOnes() {
        String huge = "The quick brown fox jumps over the lazy dog again. ".repeat(20_000); // ~1 MB
        try (LengthPredictor predictor = LengthPredictor.open(ModelCatalog.defaultModelDir())) {
            predictor.predict("warm up");
            long t0 = System.nanoTime();
            predictor.predict(huge);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            // Before: the whole megabyte was tokenized twice (about 3.7 s); now the model's input and a bounded prefix.
            assertTrue(ms < 1000, "a 1 MB prompt took " + ms + " ms");
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
