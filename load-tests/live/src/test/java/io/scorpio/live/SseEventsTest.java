package io.scorpio.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseEventsTest {

    @Test
    void splitsEventsAcrossArbitraryChunkBoundaries() {
        String stream = "data: {\"id\":\"a\",\"choices\":[{\"text\":\" lorem\"}]}\n\n"
                + "data: {\"id\":\"a\",\"choices\":[{\"text\":\" ipsum\"}]}\n\n"
                + "data: {\"error\":{\"type\":\"x\"}}\n\ndata: [DONE]\n\n";
        for (int cut = 1; cut < stream.length(); cut += 7) {
            List<String> seen = new ArrayList<>();
            SseEvents e = new SseEvents(new SseEvents.Listener() {
                @Override
                public void token() {
                    seen.add("token");
                }

                @Override
                public void other(String data) {
                    seen.add(data);
                }
            });
            for (int i = 0; i < stream.length(); i += cut) {
                e.feed(Buffer.buffer(stream.substring(i, Math.min(stream.length(), i + cut))));
            }
            assertEquals(List.of("token", "token", "{\"error\":{\"type\":\"x\"}}", "[DONE]"), seen, "cut " + cut);
        }
    }
}
