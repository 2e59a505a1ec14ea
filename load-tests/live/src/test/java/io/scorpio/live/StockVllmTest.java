package io.scorpio.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.DataFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** StockVllm's command line, and one real-prompt point through a node with its shipped predictor. */
class StockVllmTest {

    @Test
    void theSweepIsCheckedBeforeAnythingRuns() {
        StockVllm.Sweep defaults = StockVllm.Sweep.parse(Map.of());
        assertEquals(LiveClient.Prompts.SYNTHETIC, defaults.prompts());
        assertEquals(List.of(Workloads.SHAREGPT), defaults.workloads());

        StockVllm.Sweep text = StockVllm.Sweep.parse(Map.of("workload", "arena-hard,castillo-chat", "prompts", "text",
                "setups", "direct,scorpio,virtual-time,virtual-time-oracle", "qps", "5,15", "engines", "1,2"));
        assertEquals(List.of(Workloads.ARENA_HARD, Workloads.CASTILLO_CHAT), text.workloads());
        assertTrue(text.text());
        assertEquals(List.of(5.0, 15.0), text.qps());

        for (Map<String, String> bad : List.of(
                Map.of("workload", "sharegpt", "prompts", "text"),          // no text in ShareGPT's pool
                Map.of("workload", "arena-hard,azure-conv", "prompts", "text"),
                Map.of("prompts", "real"),
                Map.of("setups", "direct,scorpoi"),                         // caught before the warm-up, not mid-sweep
                Map.of("qps", "0"),
                Map.of("engines", "0"),
                Map.of("seconds", "-1"),
                Map.of("workload", "sharegtp"))) {
            assertThrows(IllegalArgumentException.class, () -> StockVllm.Sweep.parse(bad), bad.toString());
        }
    }

    @Test
    void aRealPromptPointRunsTheNodesPredictorAndVirtualTimeUsesTheSameModel(@TempDir Path out) throws Exception {
        // At a third of real speed (time scale 3, SLOs stretched alike), a stall of the shared CI machine costs a
        // request a third of the slack it would in real time; the prediction itself is not slowed.
        StockVllm.Sweep sweep = StockVllm.Sweep.parse(Map.of("workload", "castillo-chat", "prompts", "text",
                "time-scale", "3"));
        DataFiles data = DataFiles.resolve();
        List<WorkloadRequest> wl = sweep.requests(Workloads.CASTILLO_CHAT, data, 8, 40, 3).stream()
                .filter(w -> w.outputTokens() < 120).limit(4).toList();
        StockVllm.Point p = StockVllm.live("scorpio", wl, 1, sweep, sweep.answers(Workloads.CASTILLO_CHAT, data), 30,
                null, "test");
        assertEquals(wl.size(), p.summary().all().completed(), () -> "every request ran to its answer; "
                + p.summary().all() + ", not sent " + p.notSent() + ", predictions " + p.predicted());
        assertEquals(wl.size(), p.predicted().made(), "the node predicted every prompt: " + p.predicted());
        assertEquals(0, p.predicted().missed());

        try (StockVllm.Predictions predictions = new StockVllm.Predictions()) {
            List<WorkloadRequest> predicted = predictions.apply(wl);
            for (WorkloadRequest w : predicted) {
                int n = w.predictedOutputTokens().orElseThrow();
                assertTrue(n >= 1 && n <= w.maxTokens(), "clamped to max_tokens: " + n);
            }
            assertEquals(predicted, predictions.apply(wl), "each prompt predicted once, the same every time");
            StockVllm.Point virtual = StockVllm.virtualTime(predicted, 1, 42, data, true);
            assertEquals(wl.size(), virtual.summary().all().completed() + virtual.summary().all().rejected());
            assertTrue(virtual.summary().all().completed() > 0);

            // The predictor's report: one row per prompt, never trained on for CASTILLO's test split.
            Map<String, WorkloadRequest> sent = new java.util.LinkedHashMap<>();
            wl.forEach(w -> sent.put(w.promptText(), w));
            StockVllm.writePredictionQuality(out, Map.of(Workloads.CASTILLO_CHAT, sent), predictions, data);
            List<String> rows = Files.readAllLines(out.resolve("predictions.csv"));
            assertEquals(1 + wl.size(), rows.size());
            assertTrue(rows.stream().skip(1).allMatch(r -> r.startsWith("castillo-chat,") && r.endsWith(",false")), rows.toString());
            assertTrue(Files.readString(out.resolve("prediction-quality.csv")).contains("castillo-chat,all,4,"));
        }
    }
}
