package io.scorpio.server.ingress;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * An HTTP response for one request: a whole JSON body, or Server-Sent Events. Nothing is written before the
 * first token, so that a rejection can still be a plain 503 with an error body.
 */
final class HttpSink implements Sink {

    private final HttpServerResponse response;
    private final CompletionRequest request;
    private final String id;
    private final long created;
    private final StringBuilder text = new StringBuilder();

    HttpSink(HttpServerResponse response, CompletionRequest request, String id, long created) {
        this.response = response;
        this.request = request;
        this.id = id;
        this.created = created;
    }

    private boolean gone() {
        return response.closed() || response.ended();
    }

    @Override
    public Future<Void> token(int index, String tokenText, String finishReason) {
        if (gone()) {
            return Future.succeededFuture();
        }
        if (!request.stream()) {
            text.append(tokenText);
            return Future.succeededFuture();
        }
        if (!response.headWritten()) {
            response.setStatusCode(200).setChunked(true)
                    .putHeader("content-type", "text/event-stream; charset=utf-8")
                    .putHeader("cache-control", "no-cache")
                    .putHeader("x-request-id", id);
            if (request.chat()) {
                // OpenAI's first chat chunk announces the assistant role with empty content.
                response.write(OpenAiFormat.sse(OpenAiFormat.chunk(true, id, created, request.model(), "assistant", "",
                        null, request.includeUsage())));
            }
        }
        response.write(OpenAiFormat.sse(OpenAiFormat.chunk(request.chat(), id, created, request.model(), null, tokenText,
                finishReason, request.includeUsage())));
        if (!response.writeQueueFull()) {
            return Future.succeededFuture();
        }
        Promise<Void> drained = Promise.promise();
        // No closeHandler here: the ingress's one turns a closed connection into an abort, and must stay.
        response.drainHandler(v -> drained.tryComplete());
        return drained.future();
    }

    @Override
    public void done(String finishReason, int promptTokens, int completionTokens) {
        if (gone()) {
            return;
        }
        if (!request.stream()) {
            response.setStatusCode(200).putHeader("content-type", "application/json").putHeader("x-request-id", id)
                    .end(OpenAiFormat.response(request.chat(), id, created, request.model(), text.toString(), finishReason,
                            promptTokens, completionTokens).encode());
            return;
        }
        if (request.includeUsage()) {
            response.write(OpenAiFormat.sse(OpenAiFormat.usageChunk(request.chat(), id, created, request.model(),
                    promptTokens, completionTokens)));
        }
        response.end(OpenAiFormat.SSE_DONE);
    }

    @Override
    public void rejected(int status, String type, String param, String message) {
        if (gone()) {
            return;
        }
        if (response.headWritten()) {
            // Cannot happen (the guard rejects only before a first token), but never leave a stream open.
            failed(status, message);
            return;
        }
        response.setStatusCode(status).putHeader("content-type", "application/json").putHeader("x-should-retry", "false")
                .putHeader("x-request-id", id).end(ApiError.body(message, type, param, type).encode());
    }

    @Override
    public void failed(int status, String message) {
        if (gone()) {
            return;
        }
        JsonObject body = ApiError.body(message, status >= 500 ? "server_error" : ApiError.INVALID_REQUEST, null,
                status >= 500 ? "generation_failed" : "invalid_request");
        if (!response.headWritten()) {
            response.setStatusCode(status).putHeader("content-type", "application/json").putHeader("x-request-id", id)
                    .end(body.encode());
            return;
        }
        // Mid-stream: an error frame as vLLM sends it, then the stream's end.
        response.write(OpenAiFormat.sse(body));
        response.end(OpenAiFormat.SSE_DONE);
    }
}
