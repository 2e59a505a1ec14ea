package io.scorpio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 17, failure 2: connections that send nothing, or send too slowly, were never closed, and nothing capped how
 * many a client or all clients could hold, until the node ran out of file descriptors and /health timed out. Raw
 * sockets, as a hostile client writes them. Clients come from different loopback addresses (127.0.0.x) to tell the
 * per-client cap from the node's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionLimitsTest {

    private static final int HEADER_TIMEOUT_MS = 800;
    private static final int KEEP_ALIVE_TIMEOUT_MS = 2400;
    private static final int BODY_TIMEOUT_MS = 800;
    private static final int MAX_CONNECTIONS = 6;
    private static final int PER_CLIENT = 3;

    private ScorpioNode node;
    private int port;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of("http.port", "0", "hazelcast.mode", "none",
                "predictor", "none",
                "http.header-timeout-ms", Integer.toString(HEADER_TIMEOUT_MS),
                "http.keep-alive-timeout-ms", Integer.toString(KEEP_ALIVE_TIMEOUT_MS),
                "http.body-timeout-ms", Integer.toString(BODY_TIMEOUT_MS),
                "http.max-connections", Integer.toString(MAX_CONNECTIONS),
                "http.max-connections-per-client", Integer.toString(PER_CLIENT),
                "ws.max-requests", "2"), List.of()));
        port = node.port();
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @AfterEach
    void closeSockets() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
        Thread.sleep(200); // the server sees the closes before the next test counts connections
    }

    private Socket connect(String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        sockets.add(s);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Everything the server sends until it closes the connection (fails if it keeps it open 10 s). */
    private static String readUntilClosed(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open; it sent: " + out.toString(StandardCharsets.UTF_8));
        } catch (java.net.SocketException e) {
            // reset by the server: closed too
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** One complete response (headers and a Content-Length body) on a connection that stays open. */
    private static String readResponse(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.append((char) c);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    @Test
    void aConnectionThatNeverFinishesItsHeadersIsClosed() throws Exception {
        Socket slow = connect("127.0.0.1");
        long t0 = System.nanoTime();
        send(slow, "POST /v1/completions HTTP/1.1\r\nHost: x\r\n"); // and then nothing: slowloris
        readUntilClosed(slow);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= HEADER_TIMEOUT_MS - 100 && ms < HEADER_TIMEOUT_MS + 3000, "closed after " + ms + " ms");
        Socket silent = connect("127.0.0.1"); // one that sends no byte at all
        readUntilClosed(silent);
    }

    @Test
    void aKeptAliveConnectionMayIdleForTheKeepAliveTimeoutBetweenRequests() throws Exception {
        Socket s = connect("127.0.0.1");
        send(s, get("/health"));
        assertTrue(readResponse(s).startsWith("HTTP/1.1 200"));
        Thread.sleep(HEADER_TIMEOUT_MS + HEADER_TIMEOUT_MS / 2);
        send(s, get("/health")); // idle past the header timeout, within the keep-alive timeout: answered
        assertTrue(readResponse(s).startsWith("HTTP/1.1 200"));
        long t0 = System.nanoTime();
        readUntilClosed(s); // then idle past the keep-alive timeout: closed
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= KEEP_ALIVE_TIMEOUT_MS - 100, "closed after " + ms + " ms");
    }

    @Test
    void aBodyThatDoesNotArriveInTimeGets408AndTheConnectionIsClosed() throws Exception {
        Socket s = connect("127.0.0.1");
        send(s, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"model\":");
        String response = readUntilClosed(s);
        assertTrue(response.startsWith("HTTP/1.1 408"), response);
        assertEquals("request_timeout", errorCode(response));
    }

    @Test
    void pastTheCapsRequestsGet429Or503ButHealthIsStillAnswered() throws Exception {
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < PER_CLIENT; i++) {
            held.add(connect("127.0.0.2"));
        }
        Thread.sleep(100);
        // One more from the same address: 429, then closed.
        Socket fourth = connect("127.0.0.2");
        send(fourth, get("/v1/models"));
        String r = readUntilClosed(fourth);
        assertTrue(r.startsWith("HTTP/1.1 429"), r);
        assertEquals("too_many_connections", errorCode(r));
        // Fill the node from other addresses: 3 + 3 = 6, its cap.
        for (int i = 0; i < MAX_CONNECTIONS - PER_CLIENT; i++) {
            held.add(connect("127.0.0.3"));
        }
        Thread.sleep(100);
        Socket over = connect("127.0.0.4");
        send(over, get("/v1/models"));
        r = readUntilClosed(over);
        assertTrue(r.startsWith("HTTP/1.1 503"), r);
        assertEquals("server_busy", errorCode(r));
        // The probes are answered even now.
        Socket probe = connect("127.0.0.5");
        send(probe, get("/health"));
        r = readUntilClosed(probe);
        assertTrue(r.startsWith("HTTP/1.1 200"), r);
        // The held connections are eventually closed by the header timeout, and the node takes requests again.
        for (Socket s : held) {
            readUntilClosed(s);
        }
        Thread.sleep(200);
        Socket after = connect("127.0.0.4");
        send(after, get("/v1/models"));
        assertTrue(readResponse(after).startsWith("HTTP/1.1 200"));
    }

    @Test
    void pastTwiceTheNodesCapANewConnectionIsClosedAtOnce() throws Exception {
        for (int i = 0; i < 2 * MAX_CONNECTIONS; i++) {
            connect("127.0.1." + (i + 1)); // silent connections, each from its own address
        }
        Thread.sleep(100);
        Socket flood = connect("127.0.2.1");
        flood.setSoTimeout(HEADER_TIMEOUT_MS / 2); // well before any header timeout
        long t0 = System.nanoTime();
        readUntilClosed(flood);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < HEADER_TIMEOUT_MS / 2, "closed after " + ms + " ms");
    }

    @Test
    void aWebSocketRunsAtMostItsCapOfRequestsAtOnce() throws Exception {
        JsonWebSocket socket = JsonWebSocket.open(port, Map.of());
        java.net.http.WebSocket ws = socket.ws();
        java.util.concurrent.BlockingQueue<JsonObject> received = socket.received();
        try {
            for (String id : List.of("a", "b", "c")) {
                ws.sendText(new JsonObject().put("type", "request").put("id", id).put("model", "llama-3.1-8b")
                        .put("prompt", "hello").put("max_tokens", 2000).encode(), true).get(5, java.util.concurrent.TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            JsonObject refusal = null;
            while (refusal == null && System.nanoTime() < deadline) {
                JsonObject m = received.poll(1, java.util.concurrent.TimeUnit.SECONDS);
                if (m != null && "c".equals(m.getString("id")) && !"token".equals(m.getString("type"))) {
                    refusal = m;
                }
            }
            assertTrue(refusal != null, "request c, over the socket's cap of 2, was answered");
            // The socket outlives the header and body timeouts: they are for HTTP requests, not an open WebSocket.
            Thread.sleep(2L * Math.max(HEADER_TIMEOUT_MS, BODY_TIMEOUT_MS));
            ws.sendText(new JsonObject().put("type", "abort").put("id", "a").encode(), true).get(5, java.util.concurrent.TimeUnit.SECONDS);
            JsonObject aborted = null;
            while (aborted == null && System.nanoTime() < deadline + 5_000_000_000L) {
                JsonObject m = received.poll(1, java.util.concurrent.TimeUnit.SECONDS);
                if (m != null && "a".equals(m.getString("id")) && "error".equals(m.getString("type"))) {
                    aborted = m;
                }
            }
            assertTrue(aborted != null && aborted.getInteger("status") == 499, "the socket still answers after the timeouts");
            assertEquals("error", refusal.getString("type"), refusal.encode());
            assertEquals(429, refusal.getInteger("status"), refusal.encode());
            assertEquals("too_many_requests", refusal.getJsonObject("error").getString("code"));
        } finally {
            ws.abort();
        }
    }

    private static String errorCode(String response) {
        String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        return new JsonObject(body).getJsonObject("error").getString("code");
    }
}
