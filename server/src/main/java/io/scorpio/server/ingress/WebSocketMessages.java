package io.scorpio.server.ingress;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Assembles a WebSocket's frames into messages, with answers at every limit instead of a silent drop or a bare TCP
 * close (RFC 6455 close codes):
 *
 * <ul>
 *   <li>a frame over {@code maxFrameBytes}: close 1009 (message too big);
 *   <li>a message over {@code maxMessageBytes}, however fragmented: the rest of it is skipped and the client gets an
 *       {@code error} naming the message's {@code id} (read from its first bytes), status 413 {@code request_too_large};
 *       close 1009 when no id can be read there;
 *   <li>a text message that is not valid UTF-8: close 1007 (invalid frame payload data).
 * </ul>
 *
 * <p>Holds at most {@code maxMessageBytes} of one message at a time. Event-loop confined, as the socket.
 */
final class WebSocketMessages {

    /** RFC 6455 close codes. */
    static final short CLOSE_INVALID_PAYLOAD = 1007;
    static final short CLOSE_TOO_BIG = 1009;
    /** How much of an oversize message is kept to find its id. */
    private static final int HEAD_BYTES = 4096;
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.){1,256})\"");

    private final ServerWebSocket ws;
    private final int maxMessageBytes;
    private final int maxFrameBytes;
    private final Consumer<String> onText;
    private final Runnable onBinary;
    private final Consumer<String> onOversize;
    /** The message being assembled; null between messages. */
    private Buffer message;
    private boolean binary;
    /** Set once the current message went over its limit: its first bytes, to find its id; the rest is skipped. */
    private Buffer oversizeHead;

    /**
     * @param onText     a whole, valid text message
     * @param onBinary   a whole binary message (the protocol has none)
     * @param onOversize a message over the limit whose id was found: answer it with an error naming the id
     */
    WebSocketMessages(ServerWebSocket ws, int maxMessageBytes, int maxFrameBytes, Consumer<String> onText, Runnable onBinary,
                      Consumer<String> onOversize) {
        this.ws = ws;
        this.maxMessageBytes = maxMessageBytes;
        this.maxFrameBytes = maxFrameBytes;
        this.onText = onText;
        this.onBinary = onBinary;
        this.onOversize = onOversize;
    }

    void frame(WebSocketFrame frame) {
        if (!(frame.isText() || frame.isBinary() || frame.isContinuation())) {
            return; // ping, pong and close are Vert.x's
        }
        Buffer data = frame.binaryData();
        if (data.length() > maxFrameBytes) {
            close(CLOSE_TOO_BIG, "frame over " + maxFrameBytes + " bytes");
            return;
        }
        if (!frame.isContinuation()) {
            message = Buffer.buffer();
            binary = frame.isBinary();
            oversizeHead = null;
        } else if (message == null && oversizeHead == null) {
            close((short) 1002, "continuation frame without a message"); // protocol error
            return;
        }
        if (oversizeHead == null && message.length() + data.length() > maxMessageBytes) {
            Buffer head = message.appendBuffer(data);
            oversizeHead = head.getBuffer(0, Math.min(HEAD_BYTES, head.length()));
            message = null;
        } else if (oversizeHead == null) {
            message.appendBuffer(data);
        }
        if (!frame.isFinal()) {
            return;
        }
        if (oversizeHead != null) {
            Matcher m = ID.matcher(oversizeHead.toString(StandardCharsets.UTF_8));
            oversizeHead = null;
            if (m.find()) {
                onOversize.accept(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
            } else {
                close(CLOSE_TOO_BIG, "message over " + maxMessageBytes + " bytes");
            }
            return;
        }
        Buffer whole = message;
        message = null;
        if (binary) {
            onBinary.run();
            return;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(whole.getBytes())).toString();
        } catch (CharacterCodingException e) {
            close(CLOSE_INVALID_PAYLOAD, "text message is not valid UTF-8");
            return;
        }
        onText.accept(text);
    }

    private void close(short code, String reason) {
        message = null;
        oversizeHead = null;
        if (!ws.isClosed()) {
            ws.close(code, reason);
        }
    }
}
