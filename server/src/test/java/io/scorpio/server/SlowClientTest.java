package io.scorpio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client that reads nothing while its tokens are generated: the node finishes the request without writing past the
 * connection's write queue (the tokens wait in the sink), and when the client reads at last it gets every token, in
 * order, then the end of the stream.
 */
class SlowClientTest {

    /** About 7 MB of SSE: more than the loopback socket buffers take, so the node's write queue fills. */
    private static final int TOKENS = 30_000;

    @Test
    void aClientThatReadsLateGetsEveryTokenInOrderAndTheRequestEndsOnce() throws Exception {
        try (ScorpioNode node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.ofEntries(
                Map.entry("http.port", "0"), Map.entry("hazelcast.mode", "none"), Map.entry("predictor", "none"),
                Map.entry("policy", "vllm"), Map.entry("worker", "model-sim"),
                // Steps of no time at all: the tokens come far faster than anyone could read them.
                Map.entry("model.step.a", "0"), Map.entry("model.step.b", "0"), Map.entry("model.step.c", "0"),
                Map.entry("model.step.d", "0"), Map.entry("model.prefill.theta", "4096"),
                Map.entry("model.prefill.c", "0"), Map.entry("max-tokens.limit", Integer.toString(TOKENS))), List.of()));
             Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096); // before connect: a small window, so the server's queue fills
            socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 5000);
            String body = new JsonObject().put("model", "llama-3.1-8b").put("prompt", "Tell me everything")
                    .put("max_tokens", TOKENS).put("stream", true)
                    .put("slo", new JsonObject().put("ttft_ms", 60_000).put("tpot_ms", 60_000)).encode();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
                    + "content-length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();

            // Not reading: wait until the guard has finished the request (all tokens made, none left to send).
            HttpClient http = HttpClient.newHttpClient();
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (metric(http, node.port()).lines().noneMatch(l -> l.startsWith("scorpio_requests_total{outcome=\"completed\"")
                    && l.endsWith(" 1.0"))) {
                assertTrue(System.nanoTime() < end, "the request did not complete on the node within 60 s");
                Thread.sleep(50);
            }

            // Now read it all.
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int tokens = 0;
            boolean done = false;
            String line;
            while (!done && (line = in.readLine()) != null) {
                if (line.startsWith("data: {")) {
                    JsonObject chunk = new JsonObject(line.substring(6));
                    tokens++;
                    String text = chunk.getJsonArray("choices").getJsonObject(0).getString("text");
                    assertEquals(io.scorpio.server.engine.SyntheticText.token(tokens), text, "token " + tokens);
                } else if (line.equals("data: [DONE]")) {
                    done = true;
                }
            }
            assertTrue(done, "the stream ended with [DONE]");
            assertEquals(TOKENS, tokens);
        }
    }

    private static String metric(HttpClient http, int port) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
