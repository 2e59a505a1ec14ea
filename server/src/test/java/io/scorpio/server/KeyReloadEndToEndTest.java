package io.scorpio.server;

import static io.scorpio.server.Blocking.await;
import static io.scorpio.server.Blocking.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.server.config.ServerConfig;
import io.scorpio.server.security.ApiKey;
import io.scorpio.server.security.KeyFile;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys file changes under a running node (checked every 100 ms here), through real HTTP and WebSocket
 * clients: a key added works, a key removed is refused (on an open WebSocket too), changed rights apply, and a
 * file that is broken or names an unknown class changes nothing.
 */
class KeyReloadEndToEndTest {

    private static final String MODEL = "llama-3.1-8b";

    @TempDir
    Path dir;

    @Test
    void keysAddedChangedAndRevokedApplyToNewRequestsAndABadFileChangesNothing() throws Exception {
        KeyFile.Issued a = KeyFile.issue("a", Set.of("*"), 0, 1);
        KeyFile.Issued b = KeyFile.issue("b", Set.of("*"), 0, 1);
        Path file = dir.resolve("keys.json");
        write(file, a.key());
        Vertx clients = Vertx.vertx();
        try (ScorpioNode node = ScorpioNode.start(ServerConfig.layered(Map.of(), Map.of(
                "http.port", "0",
                "hazelcast.mode", "none",
                "predictor", "none",
                "auth.keys-file", file.toString(),
                "auth.keys-reload-ms", "100"), List.of()))) {
            WebClient web = WebClient.create(clients);
            int port = node.port();

            // 1. Only a is in the file.
            assertEquals(200, post(web, port, a.token(), null).statusCode());
            assertCode(post(web, port, b.token(), null), 401, "invalid_api_key");

            // 2. b is added: it works without a restart.
            write(file, a.key(), b.key());
            eventually("b accepted", () -> post(web, port, b.token(), null).statusCode() == 200);
            assertEquals(1.0, metric(web, port, "applied"));

            // 3. A WebSocket opened with b serves; once b is removed, its next request there is refused.
            WebSocketClient wsClient = clients.createWebSocketClient(); // held: Vert.x closes clients nothing refers to
            WebSocket ws = await(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
                    .setPort(port).setURI("/v1/ws").addHeader("authorization", "Bearer " + b.token())));
            List<JsonObject> frames = new CopyOnWriteArrayList<>();
            ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
            ws.writeTextMessage(completion().put("type", "request").put("id", "w1").encode());
            eventually("w1 done", () -> has(frames, "done", "w1"));
            write(file, a.key());
            eventually("b refused over HTTP", () -> post(web, port, b.token(), null).statusCode() == 401);
            ws.writeTextMessage(completion().put("type", "request").put("id", "w2").encode());
            eventually("w2 refused", () -> has(frames, "error", "w2"));
            JsonObject w2 = frames.stream().filter(f -> "w2".equals(f.getString("id"))).findFirst().orElseThrow();
            assertEquals(401, w2.getInteger("status"));
            assertEquals("invalid_api_key", w2.getJsonObject("error").getString("code"));
            assertTrue(w2.getJsonObject("error").getString("message").contains("'b' was revoked"), w2.encode());
            await(ws.close());

            // 4. a's rights change: it may now use class 1 only.
            write(file, restricted(a.key(), Set.of("1")));
            eventually("a held to class 1", () -> post(web, port, a.token(), "4").statusCode() == 403);
            assertEquals(200, post(web, port, a.token(), "1").statusCode());

            // 5. A broken file, then one naming a class slo.classes lacks: each fails its reload, a keeps its rights.
            double applied = metric(web, port, "applied");
            Files.writeString(file, "[{\"id\": \"a\", \"salt\": "); // not atomic: a reload may see it empty first
            eventually("the broken file counted", () -> metric(web, port, "failed") == 1.0);
            write(file, restricted(a.key(), Set.of("9")));
            eventually("the unknown class counted", () -> metric(web, port, "failed") == 2.0);
            assertEquals(200, post(web, port, a.token(), "1").statusCode());
            assertEquals(403, post(web, port, a.token(), "4").statusCode());
            assertEquals(applied, metric(web, port, "applied"));
        } finally {
            await(clients.close());
        }
    }

    private static void write(Path file, ApiKey... keys) throws Exception {
        Map<String, ApiKey> map = new LinkedHashMap<>();
        for (ApiKey k : keys) {
            map.put(k.id(), k);
        }
        KeyFile.write(file, map);
    }

    private static ApiKey restricted(ApiKey k, Set<String> classes) {
        return new ApiKey(k.id(), k.salt(), k.hash(), classes, k.ratePerSecond(), k.burst());
    }

    private static JsonObject completion() {
        return new JsonObject().put("model", MODEL).put("prompt", "keys").put("max_tokens", 2);
    }

    private static HttpResponse<Buffer> post(WebClient web, int port, String token, String sloClass) {
        JsonObject body = completion();
        if (sloClass != null) {
            body.put("slo_class", sloClass);
        }
        return await(web.post(port, "127.0.0.1", "/v1/completions").putHeader("authorization", "Bearer " + token)
                .sendJsonObject(body));
    }

    private static void assertCode(HttpResponse<Buffer> r, int status, String code) {
        assertEquals(status, r.statusCode(), r.bodyAsString());
        assertEquals(code, r.bodyAsJsonObject().getJsonObject("error").getString("code"));
    }

    private static boolean has(List<JsonObject> frames, String type, String id) {
        return frames.stream().anyMatch(f -> type.equals(f.getString("type")) && id.equals(f.getString("id")));
    }

    private static double metric(WebClient web, int port, String outcome) {
        String text = await(web.get(port, "127.0.0.1", "/metrics").send()).bodyAsString();
        Matcher m = Pattern.compile("^scorpio_auth_key_reloads_total\\{outcome=\"" + outcome + "\"[^}]*\\} (\\S+)$",
                Pattern.MULTILINE).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
