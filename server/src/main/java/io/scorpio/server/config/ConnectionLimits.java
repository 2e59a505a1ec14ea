package io.scorpio.server.config;

/**
 * What one client may hold of the node: the timeouts that close connections that send nothing, or send too slowly,
 * and the caps on connections and concurrent requests. Each is a key in {@link ServerConfig#KEYS}; the table of
 * limits, and what a client sees past each, is in docs/service.md ("Limits").
 *
 * @param idleTimeoutMs          a connection with no bytes in either direction this long is closed
 * @param headerTimeoutMs        a connection's first request line and headers must arrive within this of its opening;
 *                               else the connection is closed (slowloris)
 * @param keepAliveTimeoutMs     the next request on a kept-alive connection must arrive within this of the previous
 *                               response's end; else the connection is closed
 * @param bodyTimeoutMs          a request body must arrive within this of its headers; else 408 and close
 * @param maxConnections         open HTTP and WebSocket connections on the node; past it a request gets 503 and its
 *                               connection is closed (/health and /ready are still answered)
 * @param maxConnectionsPerClient open connections from one remote address; past it 429 and close
 * @param maxWsRequests          concurrent requests on one WebSocket; past it the request gets a 429 error message
 * @param maxConcurrentPerKey    concurrent requests of one API key on this node; past it 429
 */
public record ConnectionLimits(long idleTimeoutMs, long headerTimeoutMs, long keepAliveTimeoutMs, long bodyTimeoutMs,
                               int maxConnections, int maxConnectionsPerClient, int maxWsRequests, int maxConcurrentPerKey) {

    static ConnectionLimits from(ServerConfig c) {
        return new ConnectionLimits(Keys.positive(c, "http.idle-timeout-ms"), Keys.positive(c, "http.header-timeout-ms"),
                Keys.positive(c, "http.keep-alive-timeout-ms"), Keys.positive(c, "http.body-timeout-ms"),
                (int) Keys.positive(c, "http.max-connections"), (int) Keys.positive(c, "http.max-connections-per-client"),
                (int) Keys.positive(c, "ws.max-requests"), (int) Keys.positive(c, "auth.max-concurrent-per-key"));
    }
}
