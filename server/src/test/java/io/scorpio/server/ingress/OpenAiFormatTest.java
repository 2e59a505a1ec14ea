package io.scorpio.server.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The pre-encoded chunks are byte for byte the JSON the OpenAI shapes encode to, for any text. */
class OpenAiFormatTest {

    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(false, false), Arguments.of(false, true), Arguments.of(true, false),
                Arguments.of(true, true));
    }

    @ParameterizedTest(name = "chat={0}, include_usage={1}")
    @MethodSource("shapes")
    void aTemplatedChunkEqualsTheEncodedChunk(boolean chat, boolean includeUsage) {
        String id = "cmpl-\"odd\\id";
        String model = "llama-3.1-8b/é";
        var template = new OpenAiFormat.ChunkTemplate(chat, id, 1796354511L, model, includeUsage);
        Random random = new Random(7);
        for (int i = 0; i < 2000; i++) {
            String text = randomText(random);
            String finish = i % 5 == 0 ? (i % 2 == 0 ? "stop" : "length") : null;
            StringBuilder out = new StringBuilder();
            template.append(out, text, finish);
            String expected = OpenAiFormat.sse(OpenAiFormat.chunk(chat, id, 1796354511L, model, null, text, finish,
                    includeUsage));
            assertEquals(expected, out.toString(), "text " + new JsonObject().put("t", text).encode());
        }
    }

    /** Plain words, quotes, backslashes, every control character, non-ASCII and surrogate pairs. */
    private static String randomText(Random random) {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(12);
        for (int i = 0; i < n; i++) {
            switch (random.nextInt(6)) {
                case 0 -> b.append((char) random.nextInt(0x20));
                case 1 -> b.append(random.nextBoolean() ? '"' : '\\');
                case 2 -> b.append((char) (0x7f + random.nextInt(0x700)));
                case 3 -> b.appendCodePoint(0x1F600 + random.nextInt(64));
                case 4 -> b.append('/');
                default -> b.append(" lorem");
            }
        }
        return b.toString();
    }

    @Test
    void aWholeResponseGathersWhatTheServerSentAsOpenAisClientsGatherAStream() {
        OpenAiFormat.Relayed gathered = new OpenAiFormat.Relayed();
        // Two parallel tool calls, streamed interleaved, each first named and then its arguments in pieces.
        gathered.add(delta(new JsonObject().put("index", 0).put("id", "call-a").put("type", "function")
                .put("function", new JsonObject().put("name", "weather").put("arguments", ""))));
        gathered.add(delta(new JsonObject().put("index", 1).put("id", "call-b").put("type", "function")
                .put("function", new JsonObject().put("name", "time").put("arguments", "{\"tz\""))));
        gathered.add(delta(new JsonObject().put("index", 0).put("function", new JsonObject().put("arguments", "{\"city\""))));
        gathered.add(delta(new JsonObject().put("index", 1).put("function", new JsonObject().put("arguments", ": \"UTC\"}"))));
        gathered.add(delta(new JsonObject().put("index", 0).put("function", new JsonObject().put("arguments", ": \"Oslo\"}"))));
        // Log probabilities (completions' shape): each chunk's lists appended; a top-logprobs entry for the token
        // "index" is a token, not a position to merge by.
        for (int k = 0; k < 2; k++) {
            gathered.add(new JsonObject().put("logprobs", new JsonObject()
                    .put("tokens", new JsonArray().add("index")).put("token_logprobs", new JsonArray().add(-1.0))
                    .put("top_logprobs", new JsonArray().add(new JsonObject().put("index", -1.0)))));
        }
        JsonObject choice = OpenAiFormat.response(true, "id", 1, "m", "", "tool_calls", 5, 5, gathered)
                .getJsonArray("choices").getJsonObject(0);
        JsonObject message = choice.getJsonObject("message");
        assertEquals(new JsonArray()
                .add(new JsonObject().put("id", "call-a").put("type", "function").put("function", new JsonObject()
                        .put("name", "weather").put("arguments", "{\"city\": \"Oslo\"}")))
                .add(new JsonObject().put("id", "call-b").put("type", "function").put("function", new JsonObject()
                        .put("name", "time").put("arguments", "{\"tz\": \"UTC\"}"))), message.getJsonArray("tool_calls"));
        assertEquals(null, message.getValue("content"));
        JsonObject logprobs = choice.getJsonObject("logprobs");
        assertEquals(new JsonArray().add("index").add("index"), logprobs.getJsonArray("tokens"));
        assertEquals(2, logprobs.getJsonArray("top_logprobs").size());
        assertEquals("tool_calls", choice.getString("finish_reason"));
    }

    private static JsonObject delta(JsonObject toolCall) {
        return new JsonObject().put("delta", new JsonObject().put("tool_calls", new JsonArray().add(toolCall)));
    }
}
