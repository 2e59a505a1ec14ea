package io.scorpio.server.ingress;

import io.vertx.core.json.JsonObject;

/**
 * Where one request's events go: an HTTP response (JSON or SSE) or a WebSocket. Exactly one of
 * {@link #done}, {@link #rejected} or {@link #failed} is called, once; {@link #token} may be called before.
 *
 * <p>Tokens are gathered and written by {@link #flush}, which the ingress calls once per batch of events from the
 * guard: one write per connection per engine step. A client that reads slower than tokens come is never written
 * past its connection's write queue: its tokens wait in the sink (at most the request's {@code max_tokens}, since
 * the guard sends no more) and go out, together, when the connection drains. The terminal calls write at once,
 * after any tokens still waiting.
 */
interface Sink {

    /**
     * Token number {@code index} of the request; {@code finishReason} is set on its last one. {@code relayed}: what the
     * worker's server sent with it for the client ({@code EngineWorker.Token.relayed}), or null.
     */
    void token(int index, String text, String finishReason, JsonObject relayed);

    /** Writes the tokens gathered since the last flush, unless the connection's write queue is full. */
    void flush();

    void done(String finishReason, int promptTokens, int completionTokens);

    /** The guard refused the request before any token; {@code status} 503 (SLO) or 400 (never runnable). */
    void rejected(int status, String type, String param, String message);

    /** The request failed; the error's code says why (e.g. {@code server_shutdown}). */
    void failed(int status, String code, String message);

    default void failed(int status, String message) {
        failed(status, status >= 500 ? "generation_failed" : "invalid_request", message);
    }
}
