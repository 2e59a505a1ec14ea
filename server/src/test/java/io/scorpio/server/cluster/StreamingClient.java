package io.scorpio.server.cluster;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * A plain OpenAI streaming client (java.net.http, SSE by lines) that records everything a request's client
 * saw, so that tests can tell a complete stream from a cut one, an error frame, or a stream served twice.
 */
final class StreamingClient implements AutoCloseable {

    /** The simulated worker's words, in order: a stream served twice would restart them. */
    private static final String[] WORDS = {" lorem", " ipsum", " dolor", " sit", " amet", " consectetur", " adipiscing",
        " elit", " sed", " do", " eiusmod", " tempor"};

    /** What one client saw. {@code status} is -1 when the connection failed before a status line. */
    record Seen(String node, int status, String text, int tokens, int usageTokens, boolean done, String errorFrame,
                String transportError) {

        boolean completed() {
            return status == 200 && done && errorFrame == null && transportError == null;
        }

        /** The tokens are the simulated worker's words in order, each once: nothing repeated, nothing skipped. */
        boolean wellFormed() {
            return wellFormed(WORDS);
        }

        /** The tokens are {@code words} in order, cyclically, each once. */
        boolean wellFormed(String[] words) {
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < tokens; i++) {
                expected.append(words[i % words.length]);
            }
            return expected.toString().equals(text) && (!completed() || usageTokens == tokens);
        }
    }

    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sse-client");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).executor(pool).build();

    /** Streams one completion from {@code base} with a generous SLO, so that nothing is rejected for lateness. */
    CompletableFuture<Seen> complete(String node, String base, int maxTokens) {
        return complete(node, base, "tell me about clusters", maxTokens, 60_000);
    }

    /** Streams one completion with the given prompt and TTFT SLO (TPOT SLO: a generous 1 s). */
    CompletableFuture<Seen> complete(String node, String base, String prompt, int maxTokens, int ttftMs) {
        JsonObject body = new JsonObject().put("model", "llama-3.1-8b").put("prompt", prompt)
                .put("max_tokens", maxTokens).put("stream", true)
                .put("stream_options", new JsonObject().put("include_usage", true));
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                .header("content-type", "application/json").header("x-slo-ttft-ms", Integer.toString(ttftMs))
                .header("x-slo-tpot-ms", "1000")
                .timeout(Duration.ofSeconds(180)).POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
        return CompletableFuture.supplyAsync(() -> {
            try {
                HttpResponse<Stream<String>> resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
                return read(node, resp);
            } catch (Exception e) {
                return new Seen(node, -1, "", 0, -1, false, null, e.toString());
            }
        }, pool);
    }

    private static Seen read(String node, HttpResponse<Stream<String>> resp) {
        StringBuilder text = new StringBuilder();
        int tokens = 0;
        int usage = -1;
        boolean done = false;
        String error = null;
        List<String> other = new ArrayList<>();
        try (Stream<String> lines = resp.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (!line.startsWith("data: ")) {
                    if (!line.isBlank()) {
                        other.add(line);
                    }
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    continue;
                }
                JsonObject chunk = new JsonObject(data);
                if (chunk.containsKey("error")) {
                    error = chunk.getJsonObject("error").getString("message");
                    continue;
                }
                if (chunk.getJsonObject("usage") != null) {
                    usage = chunk.getJsonObject("usage").getInteger("completion_tokens");
                }
                if (chunk.getJsonArray("choices") != null && !chunk.getJsonArray("choices").isEmpty()) {
                    text.append(chunk.getJsonArray("choices").getJsonObject(0).getString("text"));
                    tokens++;
                }
            }
        } catch (Exception e) {
            return new Seen(node, resp.statusCode(), text.toString(), tokens, usage, done, error, e.toString());
        }
        if (resp.statusCode() != 200) {
            error = String.join("\n", other);
        }
        return new Seen(node, resp.statusCode(), text.toString(), tokens, usage, done, error, null);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
