package io.scorpio.server.ingress;

import io.vertx.core.Future;

/**
 * Where one request's events go: an HTTP response (JSON or SSE) or a WebSocket. Exactly one of
 * {@link #done}, {@link #rejected} or {@link #failed} is called, once; {@link #token} may be called before.
 */
public interface Sink {

    /** A token; the future completes when the client can take the next one (back-pressure). */
    Future<Void> token(int index, String text, String finishReason);

    void done(String finishReason, int promptTokens, int completionTokens);

    /** The guard refused the request before any token; {@code status} 503 (SLO) or 400 (never runnable). */
    void rejected(int status, String type, String param, String message);

    void failed(int status, String message);
}
