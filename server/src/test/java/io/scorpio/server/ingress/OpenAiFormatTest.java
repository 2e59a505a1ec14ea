package io.scorpio.server.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.Random;
import java.util.stream.Stream;
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
}
