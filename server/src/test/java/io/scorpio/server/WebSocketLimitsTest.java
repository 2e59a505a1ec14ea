package io.scorpio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 17, failure 4: WebSocket messages and frames past the limits, and text that is not UTF-8, must get an answer
 * (an error naming the request's id, or an RFC 6455 close code), never a silent drop or a bare TCP close. A raw
 * WebSocket client over a socket, so that the test controls every frame.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSocketLimitsTest {

    private static final int MAX_BODY = 16 * 1024;

    private ScorpioNode node;

    @BeforeAll
    void start() throws Exception {
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of("http.port", "0", "hazelcast.mode", "none",
                "predictor", "none", "http.max-body-bytes", Integer.toString(MAX_BODY)), List.of()));
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    /** A minimal RFC 6455 client: masked frames out, frames in. */
    private static final class RawWebSocket implements AutoCloseable {
        final Socket socket = new Socket();
        final DataInputStream in;
        final OutputStream out;
        private final Random random = new Random(1);

        RawWebSocket(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            out = socket.getOutputStream();
            in = new DataInputStream(socket.getInputStream());
            String key = Base64.getEncoder().encodeToString("scorpio-ws-tests".getBytes(StandardCharsets.US_ASCII));
            out.write(("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
        }

        /** opcode 1 text, 0 continuation, 2 binary. */
        void frame(int opcode, boolean fin, byte[] payload) throws IOException {
            ByteArrayOutputStream f = new ByteArrayOutputStream();
            f.write((fin ? 0x80 : 0) | opcode);
            if (payload.length < 126) {
                f.write(0x80 | payload.length);
            } else if (payload.length < 65536) {
                f.write(0x80 | 126);
                f.write(payload.length >>> 8);
                f.write(payload.length & 0xff);
            } else {
                f.write(0x80 | 127);
                for (int i = 7; i >= 0; i--) {
                    f.write((int) ((long) payload.length >>> (8 * i)) & 0xff);
                }
            }
            byte[] mask = new byte[4];
            random.nextBytes(mask);
            f.write(mask);
            for (int i = 0; i < payload.length; i++) {
                f.write(payload[i] ^ mask[i % 4]);
            }
            out.write(f.toByteArray());
            out.flush();
        }

        /** The next data or close frame from the server: [opcode, payload]. */
        Object[] read() throws IOException {
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                byte[] payload = in.readNBytes((int) len);
                int opcode = b0 & 0x0f;
                if (opcode != 9 && opcode != 10) {
                    return new Object[] {opcode, payload};
                }
            }
        }

        /** The close code the server sent (fails on a bare TCP close or on silence). */
        int closeCode() throws IOException {
            try {
                while (true) {
                    Object[] f = read();
                    if ((int) f[0] == 8) {
                        byte[] p = (byte[]) f[1];
                        return p.length >= 2 ? ((p[0] & 0xff) << 8) | (p[1] & 0xff) : 1005;
                    }
                }
            } catch (java.io.EOFException | java.net.SocketException e) {
                throw new AssertionError("the connection was closed without a close frame", e);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no close frame within 10 s", e);
            }
        }

        JsonObject nextMessage() throws IOException {
            Object[] f = read();
            assertEquals(1, (int) f[0], "a text message, not opcode " + f[0]);
            return new JsonObject(new String((byte[]) f[1], StandardCharsets.UTF_8));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void aFragmentedMessageOverTheLimitGetsAnErrorNamingItsId() throws Exception {
        try (RawWebSocket ws = new RawWebSocket(node.port())) {
            String start = "{\"type\":\"request\",\"id\":\"big-1\",\"model\":\"llama-3.1-8b\",\"prompt\":\"";
            ws.frame(1, false, start.getBytes(StandardCharsets.UTF_8));
            byte[] chunk = "x".repeat(4000).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 6; i++) { // 24 KB in all: over the 16 KB message limit
                ws.frame(0, false, chunk);
            }
            ws.frame(0, true, "\"}".getBytes(StandardCharsets.UTF_8));
            JsonObject m = ws.nextMessage();
            assertEquals("error", m.getString("type"), m.encode());
            assertEquals("big-1", m.getString("id"), m.encode());
            assertEquals(413, m.getInteger("status"), m.encode());
            assertEquals("request_too_large", m.getJsonObject("error").getString("code"));
            // The socket still works.
            ws.frame(1, true, "{\"type\":\"request\",\"id\":\"small\",\"model\":\"llama-3.1-8b\",\"prompt\":\"hi\",\"max_tokens\":2}"
                    .getBytes(StandardCharsets.UTF_8));
            JsonObject next = ws.nextMessage();
            assertEquals("small", next.getString("id"), next.encode());
        }
    }

    @Test
    void anOversizeMessageWithoutAnIdGetsClose1009() throws Exception {
        try (RawWebSocket ws = new RawWebSocket(node.port())) {
            ws.frame(1, false, ("{\"prompt\":\"" + "y".repeat(10_000)).getBytes(StandardCharsets.UTF_8));
            ws.frame(0, true, ("y".repeat(10_000) + "\"}").getBytes(StandardCharsets.UTF_8));
            assertEquals(1009, ws.closeCode());
        }
    }

    @Test
    void aFrameOver64KbGetsClose1009() throws Exception {
        try (RawWebSocket ws = new RawWebSocket(node.port())) {
            ws.frame(1, true, "z".repeat(70_000).getBytes(StandardCharsets.UTF_8));
            assertEquals(1009, ws.closeCode());
        }
    }

    @Test
    void invalidUtf8TextGetsClose1007() throws Exception {
        try (RawWebSocket ws = new RawWebSocket(node.port())) {
            ws.frame(1, true, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'});
            assertEquals(1007, ws.closeCode());
        }
    }
}
