package io.scorpio.live;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The node's own view of what is live ({@code GET /scorpio/state}), which is how the soak and the tests tell that
 * no request leaked: nothing tracked, waiting, admitted or live in any engine, no registry entry, no open stream.
 *
 * @param tracked         requests the guard still tracks
 * @param live            waiting + admitted (+ anything else live) over all engines
 * @param registryEntries registry entries this node owns
 * @param openStreams     token streams the ingress still has open
 */
public record ServiceState(int tracked, int live, int registryEntries, int openStreams) {

    public boolean idle() {
        return tracked == 0 && live == 0 && registryEntries == 0 && openStreams == 0;
    }

    public static ServiceState fetch(Loopback target) throws Exception {
        HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://" + hostForUri(target) + ":"
                + target.port() + "/scorpio/state")).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("/scorpio/state answered " + r.statusCode() + ": " + r.body());
        }
        JsonObject s = new JsonObject(r.body());
        int live = 0;
        JsonArray engines = s.getJsonArray("engines", new JsonArray());
        for (int i = 0; i < engines.size(); i++) {
            JsonObject e = engines.getJsonObject(i);
            live += Math.max(e.getInteger("live", 0), e.getInteger("waiting", 0) + e.getInteger("admitted", 0));
        }
        return new ServiceState(s.getInteger("tracked", 0), live, s.getInteger("registry_entries", 0),
                s.getInteger("open_streams", 0));
    }

    /** Polls until the node is idle or {@code timeoutMs} passes; returns the last state seen. */
    public static ServiceState awaitIdle(Loopback target, long timeoutMs) throws Exception {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        ServiceState s = fetch(target);
        while (!s.idle() && System.nanoTime() < end) {
            Thread.sleep(100);
            s = fetch(target);
        }
        return s;
    }

    private static String hostForUri(Loopback t) {
        return t.host().contains(":") ? "[" + t.host() + "]" : t.host();
    }
}
