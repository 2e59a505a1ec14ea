package io.scorpio.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.WorkloadGenerator;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.DataFiles;
import io.scorpio.standin.AnswerLengths;
import io.scorpio.standin.StandinOptions;
import io.scorpio.standin.StandinServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The live client's real-prompt mode: what it sends, and that a stand-in replaying answer lengths ends each there. */
class LiveClientPromptsTest {

    private static final Loopback NOWHERE = new Loopback("127.0.0.1", 9);

    @Test
    void textModeSendsTheRealPromptWithACapAndNoIgnoreEos() throws Exception {
        List<WorkloadRequest> wl = LiveWorkloads.withText(Workloads.ARENA_HARD, DataFiles.resolve(), 5, 3, 42);
        WorkloadRequest w = wl.get(0);
        assertEquals(WorkloadGenerator.DEFAULT_MAX_TOKENS, w.maxTokens(), "the paper's cap, not the true length");
        assertTrue(w.outputTokens() < w.maxTokens());
        assertEquals(PromptText.count(w.promptText()), w.promptTokens(), "the length the node and stand-in count");
        assertTrue(w.predictedOutputTokens().isEmpty());

        try (LiveClient stock = client(true, LiveClient.Prompts.TEXT);
             LiveClient node = client(false, LiveClient.Prompts.TEXT);
             LiveClient synthetic = client(true, LiveClient.Prompts.SYNTHETIC)) {
            JsonObject body = stock.body(w);
            assertEquals(w.promptText(), body.getString("prompt"));
            assertEquals(WorkloadGenerator.DEFAULT_MAX_TOKENS, body.getInteger("max_tokens"));
            assertFalse(body.containsKey("ignore_eos"));
            assertFalse(body.containsKey("slo"), "a stock server refuses fields it does not know");
            assertEquals(w.slo().ttftMs(), node.body(w).getJsonObject("slo").getDouble("ttft_ms"));
            // The synthetic mode as before: length-matched text run to its true length.
            JsonObject forced = synthetic.body(LiveWorkloads.build(Workloads.ARENA_HARD, DataFiles.resolve(), 5, 3, 42)
                    .get(0));
            assertTrue(forced.getBoolean("ignore_eos"));
            assertEquals(w.outputTokens(), forced.getInteger("max_tokens"));
            assertTrue(forced.getString("prompt").startsWith("the the"));
        }
        assertEquals(LiveClient.Prompts.TEXT, LiveClient.Prompts.named(" Text"));
        assertThrows(IllegalArgumentException.class, () -> LiveClient.Prompts.named("real"));
        assertThrows(IllegalArgumentException.class,
                () -> LiveWorkloads.withText(Workloads.SHAREGPT, DataFiles.resolve(), 5, 3, 42), "ShareGPT has no text");
    }

    @Test
    void aTextRunIsRefusedForRequestsWithoutText() throws Exception {
        List<WorkloadRequest> lengthsOnly = LiveWorkloads.build(Workloads.SHAREGPT, DataFiles.resolve(), 5, 2, 1);
        try (LiveClient c = client(true, LiveClient.Prompts.TEXT)) {
            assertThrows(IllegalArgumentException.class, () -> c.run(lengthsOnly));
        }
    }

    @Test
    void overHttpAStandinReplayingAnswerLengthsEndsEachRequestAtItsTrueLength() throws Exception {
        DataFiles data = DataFiles.resolve();
        // Short answers only, so that the test takes seconds.
        List<WorkloadRequest> wl = LiveWorkloads.withText(Workloads.CASTILLO_CHAT, data, 20, 60, 5).stream()
                .filter(w -> w.outputTokens() < 200).limit(6).toList();
        assertEquals(6, wl.size());
        Vertx vertx = Vertx.vertx();
        try {
            StandinServer standin = new StandinServer(StandinOptions.parse(Map.of("port", "0", "time-scale", "0.05"))
                    .withAnswerLengths(AnswerLengths.of(LiveWorkloads.answerLengths(Workloads.CASTILLO_CHAT, data))));
            ConcurrentLinkedQueue<JsonObject> received = new ConcurrentLinkedQueue<>();
            standin.observe(new StandinServer.Observer() {
                @Override
                public void received(boolean chat, JsonObject body) {
                    received.add(body);
                }
            });
            vertx.deployVerticle(standin).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            LiveClient.Run run;
            try (LiveClient c = new LiveClient(new LiveClient.Options(List.of(new Loopback("127.0.0.1", standin.port())),
                    LiveClient.Transport.SSE, "llama-3.1-8b", 60, 1, false, null, true, LiveClient.Prompts.TEXT))) {
                run = c.run(wl);
            }
            assertEquals(wl.size(), run.results().size());
            for (RequestResult r : run.results()) {
                WorkloadRequest w = wl.stream().filter(x -> x.id() == r.id()).findFirst().orElseThrow();
                assertTrue(r.completed(), r.outcome() + " " + r.failureReason());
                assertEquals(w.outputTokens(), r.outputTokens(), "stopped at Llama-3.1-8B's answer length");
            }
            assertEquals(wl.size(), received.size());
            for (JsonObject body : received) {
                assertFalse(body.containsKey("ignore_eos"));
                assertEquals(WorkloadGenerator.DEFAULT_MAX_TOKENS, body.getInteger("max_tokens"));
                assertTrue(wl.stream().anyMatch(w -> w.promptText().equals(body.getString("prompt"))));
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static LiveClient client(boolean stock, LiveClient.Prompts prompts) {
        return new LiveClient(new LiveClient.Options(List.of(NOWHERE), LiveClient.Transport.SSE, "llama-3.1-8b", 10, 1,
                false, null, stock, prompts));
    }
}
