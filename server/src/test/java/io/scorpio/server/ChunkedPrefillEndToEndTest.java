package io.scorpio.server;

import static io.scorpio.server.Blocking.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A live node on the chunked-prefill engine ({@code policy=scorpio-chunked}, the simulated worker in real time): a
 * prompt longer than the V0 engine's 1,024-token budget, which that engine refuses, is served in chunks next to short
 * requests that decode meanwhile. No assertion depends on speed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChunkedPrefillEndToEndTest {

    private ScorpioNode node;
    private Vertx clients;
    private WebClient web;
    private int port;

    @BeforeAll
    void startNode() throws Exception {
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "policy", "scorpio-chunked",
                "hazelcast.cluster-name", "scorpio-chunked-test-" + ProcessHandle.current().pid(),
                "hazelcast.port", "5931"), List.of()));
        port = node.port();
        clients = Vertx.vertx();
        web = WebClient.create(clients);
    }

    @AfterAll
    void stopNode() throws Exception {
        if (clients != null) {
            await(clients.close());
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aPromptOverTheV0BudgetIsServedInChunksBesideShortRequests() {
        String longPrompt = "word ".repeat(2500); // about 2,500 tokens: two 2,048-token budgets at most
        List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(send("short request " + i, 6));
        }
        all.add(send(longPrompt, 4));
        for (int i = 0; i < all.size(); i++) {
            HttpResponse<Buffer> r = await(all.get(i));
            assertEquals(200, r.statusCode(), r.bodyAsString());
            JsonObject usage = r.bodyAsJsonObject().getJsonObject("usage");
            assertEquals(i < 6 ? 6 : 4, usage.getInteger("completion_tokens"));
            if (i == 6) {
                assertTrue(usage.getInteger("prompt_tokens") > 2048, "prompt of " + usage.getInteger("prompt_tokens"));
            }
        }
    }

    private Future<HttpResponse<Buffer>> send(String prompt, int maxTokens) {
        return web.post(port, "127.0.0.1", "/v1/completions").sendJsonObject(new JsonObject()
                .put("model", "llama-3.1-8b").put("prompt", prompt).put("max_tokens", maxTokens).put("slo_class", "6"));
    }
}
