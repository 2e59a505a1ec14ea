package io.scorpio.live;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a Server-Sent Events byte stream into the data of its events. Chunks may cut an event anywhere, so
 * the unfinished tail is kept until its blank line arrives. Only {@code data:} lines matter to this client.
 */
final class SseEvents {

    private final Consumer<String> onData;
    private final StringBuilder pending = new StringBuilder();

    SseEvents(Consumer<String> onData) {
        this.onData = onData;
    }

    void feed(Buffer chunk) {
        pending.append(chunk.toString(StandardCharsets.UTF_8));
        int end;
        while ((end = pending.indexOf("\n\n")) >= 0) {
            String event = pending.substring(0, end);
            pending.delete(0, end + 2);
            for (String line : event.split("\n")) {
                if (line.startsWith("data:")) {
                    onData.accept(line.substring(line.startsWith("data: ") ? 6 : 5));
                }
            }
        }
    }
}
