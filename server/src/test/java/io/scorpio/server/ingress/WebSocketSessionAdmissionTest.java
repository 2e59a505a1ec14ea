package io.scorpio.server.ingress;

import io.scorpio.server.api.ApiError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket request whose admission is still out (its key's token bucket asked of the cluster), over a real
 * WebSocket: the admission here is a promise the test completes by hand, so each race is played in a fixed order.
 */
class WebSocketSessionAdmissionTest {

    private Vertx vertx;
    private HttpServer server;
    private final Map<String, Promise<Inflight>> admissions = new ConcurrentHashMap<>();
    private final AtomicInteger admitted = new AtomicInteger();
    private final List<JsonObject> frames = new CopyOnWriteArrayList<>();
    private WebSocketClient wsClient;
    private WebSocket client;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        // Upgraded from a request handler, as the ingress does.
        server = get(vertx.createHttpServer().requestHandler(req -> req.toWebSocket().onSuccess(ws -> {
            WebSocketSession session = new WebSocketSession(ws, 64);
            ws.textMessageHandler(text -> session.onMessage(text, (id, msg) -> {
                admitted.incrementAndGet();
                Promise<Inflight> p = Promise.promise();
                admissions.put(id, p);
                return p.future();
            }));
        })).listen(0, "127.0.0.1"));
        // Held in a field: Vert.x closes a client that nothing refers to any more, even mid-handshake.
        wsClient = vertx.createWebSocketClient();
        client = get(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
                .setPort(server.actualPort()).setURI("/")));
        client.textMessageHandler(t -> frames.add(new JsonObject(t)));
    }

    @AfterEach
    void stop() throws Exception {
        get(vertx.close());
    }

    private static <T> T get(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private void send(JsonObject msg) {
        client.writeTextMessage(msg.encode());
    }

    private static JsonObject request(String id) {
        return new JsonObject().put("type", "request").put("id", id).put("prompt", "x");
    }

    private JsonObject frameFor(String id) throws InterruptedException {
        eventually(() -> frames.stream().anyMatch(f -> id.equals(f.getString("id"))));
        return frames.stream().filter(f -> id.equals(f.getString("id"))).findFirst().orElseThrow();
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out");
            Thread.sleep(10);
        }
    }

    @Test
    void anAbortWhileAdmittingIsAnsweredAtOnceAndTheRequestNeverStarts() throws Exception {
        send(request("r1"));
        eventually(() -> admissions.containsKey("r1"));
        send(new JsonObject().put("type", "abort").put("id", "r1"));
        JsonObject aborted = frameFor("r1");
        assertEquals(499, aborted.getInteger("status"));
        assertEquals("client_abort", aborted.getJsonObject("error").getString("code"));

        // Admission completes afterwards: the request is dropped (a null Inflight here would fail if it started).
        admissions.get("r1").complete(null);
        // The id is free again, and nothing more was said about r1.
        send(request("r1"));
        eventually(() -> admitted.get() == 2);
        assertEquals(1, frames.size(), frames.toString());
    }

    @Test
    void aRefusalWhileAdmittingBecomesTheRequestsErrorFrame() throws Exception {
        send(request("r2"));
        eventually(() -> admissions.containsKey("r2"));
        admissions.get("r2").fail(new ApiError(429, "requests", null, "rate_limit_exceeded", "Rate limit reached"));
        JsonObject refused = frameFor("r2");
        assertEquals("error", refused.getString("type"));
        assertEquals(429, refused.getInteger("status"));
        assertEquals("rate_limit_exceeded", refused.getJsonObject("error").getString("code"));
    }

    @Test
    void anIdBeingAdmittedCannotBeUsedTwice() throws Exception {
        send(request("r3"));
        eventually(() -> admissions.containsKey("r3"));
        send(request("r3"));
        JsonObject duplicate = frameFor("r3");
        assertEquals(400, duplicate.getInteger("status"));
        assertTrue(duplicate.getJsonObject("error").getString("message").contains("already running"), duplicate.encode());
        assertEquals(1, admitted.get(), "the second was refused before admission");
    }

    @Test
    void aSocketClosedWhileAdmittingStartsNothing() throws Exception {
        send(request("r4"));
        eventually(() -> admissions.containsKey("r4"));
        get(client.close());
        Thread.sleep(100); // the server sees the close
        admissions.get("r4").complete(null); // would fail if started
        assertTrue(frames.isEmpty(), frames.toString());
    }
}
