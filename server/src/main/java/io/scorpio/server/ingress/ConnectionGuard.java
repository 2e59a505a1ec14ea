package io.scorpio.server.ingress;

import io.scorpio.server.api.ApiError;
import io.scorpio.server.config.ConnectionLimits;
import io.scorpio.server.metrics.ServerMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connection hygiene for the public HTTP server: what one client may hold of the node (see {@link ConnectionLimits}).
 *
 * <ul>
 *   <li>a connection must send its first request's headers within {@code http.header-timeout-ms} of opening
 *       (slowloris: a client that trickles headers, or sends none, holds a file descriptor forever), and each next
 *       request's within {@code http.keep-alive-timeout-ms} of the previous response's end (longer: a client's pool
 *       reuses an idle connection without knowing the server's timeout, and a request sent just as the server closes
 *       the connection fails; the longer the timeout, the rarer that is);
 *   <li>a request's body must arrive within {@code http.body-timeout-ms} of its headers (408, then close);
 *   <li>past {@code http.max-connections} open connections on the node, or {@code http.max-connections-per-client} from
 *       one address, the connection is still accepted (the kernel already did), but its first request is answered
 *       503 or 429 in the OpenAI error shape and the connection closed. /health and /ready are answered even then:
 *       an orchestrator's probe must not fail because clients hold every slot. Such a connection has
 *       {@link #OVER_CAP_HEADER_TIMEOUT_MS} to send its request, and past twice the node's cap a new connection is
 *       closed at once.
 * </ul>
 *
 * <p>Event-loop confined: the server's connections and requests are all handled on the ingress verticle's loop.
 */
final class ConnectionGuard {

    /** Paths answered even past a cap: the probes. */
    private static boolean reserved(String path) {
        return "/health".equals(path) || "/ready".equals(path);
    }

    private final class Conn {
        final HttpConnection connection;
        final String client;
        /** Past a cap when it opened: 503 or 429 for its first request that is not a probe. */
        final ApiError refusal;
        long headerTimer = -1;
        boolean upgraded;

        Conn(HttpConnection connection, String client, ApiError refusal) {
            this.connection = connection;
            this.client = client;
            this.refusal = refusal;
        }

        void awaitHeaders(long timeoutMs) {
            cancelHeaderTimer();
            // A connection past a cap gets one short chance (a probe sends its request at once): it holds a file
            // descriptor the node may need.
            long timeout = refusal == null ? timeoutMs : Math.min(timeoutMs, OVER_CAP_HEADER_TIMEOUT_MS);
            headerTimer = vertx.setTimer(timeout, t -> {
                headerTimer = -1;
                metrics.connectionClosed("header_timeout");
                hardClose(connection); // no complete request yet: nothing to answer, the connection is simply closed
            });
        }

        void cancelHeaderTimer() {
            if (headerTimer >= 0) {
                vertx.cancelTimer(headerTimer);
                headerTimer = -1;
            }
        }
    }

    /**
     * Closes now. A plain {@code close()} is a graceful shutdown that waits for the request in progress to end, which
     * a client that never finishes sending it never lets happen; a shutdown with a timeout closes when it runs out.
     */
    private static void hardClose(HttpConnection connection) {
        connection.shutdown(1, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** How long a connection past a cap may take to send its request's headers. */
    static final long OVER_CAP_HEADER_TIMEOUT_MS = 1000;

    private final Vertx vertx;
    private final ConnectionLimits limits;
    private final ServerMetrics metrics;
    private final Map<HttpConnection, Conn> open = new IdentityHashMap<>();
    private final Map<String, Integer> perClient = new HashMap<>();
    private final AtomicInteger openCount = new AtomicInteger();

    ConnectionGuard(Vertx vertx, ConnectionLimits limits, ServerMetrics metrics) {
        this.vertx = vertx;
        this.limits = limits;
        this.metrics = metrics;
        metrics.gauge("scorpio_http_connections", "open connections on the public HTTP server",
                io.micrometer.core.instrument.Tags.empty(), openCount::get);
    }

    /** The server's connection handler: counts the connection and starts its header timer. */
    void connected(HttpConnection connection) {
        SocketAddress remote = connection.remoteAddress();
        String client = remote == null || remote.hostAddress() == null ? "?" : remote.hostAddress();
        int fromClient = perClient.merge(client, 1, Integer::sum);
        int total = openCount.incrementAndGet();
        ApiError refusal = null;
        if (total > limits.maxConnections()) {
            refusal = new ApiError(503, "server_error", null, "server_busy", "the node has " + limits.maxConnections()
                    + " open connections, its limit (http.max-connections); retry later or on another node");
        } else if (fromClient > limits.maxConnectionsPerClient()) {
            refusal = new ApiError(429, "rate_limit_error", null, "too_many_connections", "your address has "
                    + limits.maxConnectionsPerClient() + " open connections, its limit (http.max-connections-per-client); "
                    + "reuse a connection or close one");
        }
        Conn conn = new Conn(connection, client, refusal);
        open.put(connection, conn);
        if (total > 2L * limits.maxConnections()) {
            // Far past the cap (a flood): not even a probe is answered on this connection; close it at once.
            metrics.connectionClosed("server_busy");
            connection.closeHandler(v -> forget(connection));
            hardClose(connection);
            return;
        }
        connection.closeHandler(v -> forget(connection));
        conn.awaitHeaders(limits.headerTimeoutMs());
    }

    private void forget(HttpConnection connection) {
        Conn c = open.remove(connection);
        if (c != null) {
            c.cancelHeaderTimer();
            openCount.decrementAndGet();
            perClient.computeIfPresent(c.client, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /**
     * The first route of every request: stops the header timer, refuses the request of a connection past a cap, and
     * bounds the time its body may take.
     */
    void onRequest(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Conn conn = open.get(request.connection());
        if (conn == null) {
            ctx.next(); // e.g. HTTP/2 streams: nothing to guard per connection here
            return;
        }
        conn.cancelHeaderTimer();
        HttpServerResponse response = ctx.response();
        if (conn.refusal != null && !reserved(request.path())) {
            metrics.connectionClosed(conn.refusal.code());
            metrics.badRequest(conn.refusal.status(), conn.refusal.code());
            response.setStatusCode(conn.refusal.status()).putHeader("content-type", "application/json")
                    .putHeader("connection", "close").end(conn.refusal.body().encode())
                    .onComplete(v -> hardClose(conn.connection));
            return;
        }
        if (conn.refusal != null) {
            // A probe is answered, and then the slot is given back.
            response.putHeader("connection", "close");
            ctx.addEndHandler(v -> hardClose(conn.connection));
        }
        if (!request.isEnded()) {
            long bodyTimer = vertx.setTimer(limits.bodyTimeoutMs(), t -> {
                // Not on a connection that became a WebSocket: its handshake request has no body to wait for.
                if (!conn.upgraded && !request.isEnded() && !response.ended() && !response.closed()) {
                    metrics.connectionClosed("body_timeout");
                    metrics.badRequest(408, "request_timeout");
                    response.setStatusCode(408).putHeader("content-type", "application/json").putHeader("connection", "close")
                            .end(ApiError.body("the request body did not arrive within " + limits.bodyTimeoutMs()
                                    + " ms (http.body-timeout-ms)", ApiError.INVALID_REQUEST, null, "request_timeout").encode())
                            .onComplete(v -> hardClose(conn.connection));
                }
            });
            ctx.addEndHandler(v -> vertx.cancelTimer(bodyTimer));
        }
        // The next request on a kept-alive connection: the keep-alive timeout.
        ctx.addEndHandler(v -> {
            if (!conn.upgraded && open.containsKey(conn.connection)) {
                conn.awaitHeaders(limits.keepAliveTimeoutMs());
            }
        });
        ctx.next();
    }

    /** The connection became a WebSocket: no more HTTP requests on it, so no header timer. */
    void upgraded(HttpServerRequest request) {
        Conn conn = open.get(request.connection());
        if (conn != null) {
            conn.upgraded = true;
            conn.cancelHeaderTimer();
        }
    }

    int openConnections() {
        return openCount.get();
    }
}
