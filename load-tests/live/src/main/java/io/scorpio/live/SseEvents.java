package io.scorpio.live;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a Server-Sent Events byte stream into the data of its events. Chunks may cut an event anywhere, so the
 * unfinished tail is kept until its blank line arrives.
 *
 * <p>Works on bytes and decodes only the events it must read: a token chunk is recognised by its first bytes and
 * reported without building a String. At a thousand streams the client shares two cores with the service under
 * test, and decoding and splitting every chunk cost a visible share of them.
 */
final class SseEvents {

    /** Told of each event: a token chunk (not decoded), or any other event's data as text. */
    interface Listener {
        void token();

        void other(String data);
    }

    private static final byte[] TOKEN_PREFIX = "data: {\"id\"".getBytes(StandardCharsets.US_ASCII);

    private final Listener listener;
    private byte[] pending = new byte[256];
    private int length;

    SseEvents(Listener listener) {
        this.listener = listener;
    }

    void feed(Buffer chunk) {
        byte[] bytes = chunk.getBytes();
        if (length + bytes.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, length + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, length, bytes.length);
        length += bytes.length;
        int start = 0;
        for (int i = Math.max(1, start); i < length; i++) {
            if (pending[i] == '\n' && pending[i - 1] == '\n') {
                event(start, i - 1);
                start = i + 1;
                i = start;
            }
        }
        if (start > 0) {
            System.arraycopy(pending, start, pending, 0, length - start);
            length -= start;
        }
    }

    /** One event in pending[from, to): a single data line in this service's streams. */
    private void event(int from, int to) {
        if (isToken(from, to)) {
            listener.token();
            return;
        }
        String event = new String(pending, from, to - from, StandardCharsets.UTF_8);
        for (String line : event.split("\n")) {
            if (line.startsWith("data:")) {
                listener.other(line.substring(line.startsWith("data: ") ? 6 : 5));
            }
        }
    }

    /**
     * A completion chunk ({"id": ...}) on a single line: a token. Errors start {"error" and the end is [DONE]; the
     * client never asks for include_usage, so no usage chunk (which also starts {"id") comes.
     */
    private boolean isToken(int from, int to) {
        if (to - from < TOKEN_PREFIX.length) {
            return false;
        }
        for (int k = 0; k < TOKEN_PREFIX.length; k++) {
            if (pending[from + k] != TOKEN_PREFIX[k]) {
                return false;
            }
        }
        for (int k = from; k < to; k++) {
            if (pending[k] == '\n') {
                return false;
            }
        }
        return true;
    }
}
