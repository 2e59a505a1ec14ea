package io.scorpio.server.engine.vllm;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental Server-Sent Events parser: bytes in, one callback per event's joined {@code data} field.
 * Splits on LF bytes (a UTF-8 multi-byte character never contains one, so a chunk boundary inside a
 * character is harmless), tolerates CRLF, ignores comments and other fields.
 */
public final class SseParser {

    private final Consumer<String> onData;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;

    public SseParser(Consumer<String> onData) {
        this.onData = onData;
    }

    public void feed(Buffer chunk) {
        byte[] bytes = chunk.getBytes();
        for (byte b : bytes) {
            if (b == '\n') {
                line(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }

    /** The stream ended: an event not closed by a blank line is still delivered. */
    public void end() {
        if (line.size() > 0) {
            line(line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
        dispatch();
    }

    private void line(String raw) {
        String l = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        if (l.isEmpty()) {
            dispatch();
            return;
        }
        if (l.startsWith(":")) {
            return;
        }
        int colon = l.indexOf(':');
        String field = colon < 0 ? l : l.substring(0, colon);
        String value = colon < 0 ? "" : l.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (field.equals("data")) {
            if (hasData) {
                data.append('\n');
            }
            data.append(value);
            hasData = true;
        }
    }

    private void dispatch() {
        if (hasData) {
            String d = data.toString();
            data.setLength(0);
            hasData = false;
            onData.accept(d);
        }
    }
}
