package io.scorpio.server;

import static io.scorpio.server.Blocking.await;
import static io.scorpio.server.Blocking.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.ServerConfig;
import io.scorpio.standin.StandinOptions;
import io.scorpio.standin.StandinServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * LDF inside the engine ({@code vllm.priority}): a node in front of a stand-in run with
 * {@code --scheduling-policy priority} sends each request's TTFT deadline as vLLM's {@code priority}, and the stand-in
 * serves its queue in that order, not in arrival order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VllmPriorityTest {

    private Vertx vertx;
    private StandinServer standin;
    private ScorpioNode node;
    private WebClient web;
    private final Map<String, JsonObject> received = new ConcurrentHashMap<>();
    private final List<String> firstTokens = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws Exception {
        vertx = Vertx.vertx();
        // One sequence at a time, in real time: whoever is not running waits in the stand-in's queue.
        standin = new StandinServer(StandinOptions.parse(Map.of("port", "0", "scheduling-policy", "priority",
                "max-num-seqs", "1")));
        await(vertx.deployVerticle(standin));
        standin.observe(new StandinServer.Observer() {
            @Override
            public void received(boolean chat, JsonObject body) {
                received.put(body.getString("user"), body.copy());
            }

            @Override
            public void firstToken(JsonObject body) {
                firstTokens.add(body.getString("user"));
            }
        });
        // Policy vllm: the node itself forwards in arrival order, so any reordering is the stand-in's.
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "policy", "vllm",
                "worker", "vllm",
                "vllm.priority", "true",
                "vllm.url", "http://127.0.0.1:" + standin.port(),
                "vllm.metrics-interval-ms", "0",
                "hazelcast.mode", "none"), List.of()));
        web = WebClient.create(vertx);
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    private static JsonObject request(String user, int maxTokens, double ttftMs) {
        return new JsonObject().put("model", "llama-3.1-8b").put("prompt", "Request " + user).put("max_tokens", maxTokens)
                .put("ignore_eos", true).put("user", user)
                .put("slo", new JsonObject().put("ttft_ms", ttftMs).put("tpot_ms", 5000));
    }

    private static JsonObject withoutSlo(JsonObject body) {
        body.remove("slo"); // a stock vLLM server knows no SLOs
        return body;
    }

    private Future<HttpResponse<Buffer>> viaScorpio(JsonObject body) {
        return web.post(node.port(), "127.0.0.1", "/v1/completions").sendJsonObject(body);
    }

    @Test
    void deadlineOrderArrivesAsPriorityAndOrdersTheStandinsQueue() throws Exception {
        // "direct" occupies the stand-in's one sequence; the node's prefill step for "first" then waits on its first
        // token, so "loose" and then "tight" queue at the node and go to the stand-in together, in that (arrival) order.
        Future<HttpResponse<Buffer>> direct = web.post(standin.port(), "127.0.0.1", "/v1/completions")
                .sendJsonObject(withoutSlo(request("direct", 250, 1)));
        eventually("the direct request runs", () -> firstTokens.contains("direct"));
        Future<HttpResponse<Buffer>> first = viaScorpio(request("first", 3, 60_000));
        eventually("the node's first request reached the stand-in", () -> received.containsKey("first"));
        Future<HttpResponse<Buffer>> loose = viaScorpio(request("loose", 5, 60_000));
        Thread.sleep(100);
        Future<HttpResponse<Buffer>> tight = viaScorpio(request("tight", 5, 5_000));
        for (Future<HttpResponse<Buffer>> f : List.of(direct, first, loose, tight)) {
            HttpResponse<Buffer> r = await(f);
            assertEquals(200, r.statusCode(), r.bodyAsString());
        }
        assertNull(received.get("direct").getValue("priority"), "the direct client sent none");
        long loosePriority = received.get("loose").getLong("priority");
        long tightPriority = received.get("tight").getLong("priority");
        assertTrue(tightPriority < loosePriority, "the earlier deadline is the lower (first served) priority: tight "
                + tightPriority + ", loose " + loosePriority);
        // loose arrived about 100 ms before tight: its deadline is 60 s after, tight's 5 s after.
        long gap = loosePriority - tightPriority;
        assertTrue(gap > 54_000 && gap < 56_000, "priorities are the deadlines in ms: gap " + gap);
        assertEquals(List.of("direct", "first", "tight", "loose"), firstTokens,
                "the stand-in served its queue by priority, not by arrival");
    }
}
