package io.scorpio.server.ingress;

import io.scorpio.server.api.ApiError;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * An HTTP response for one request: a whole JSON body, or Server-Sent Events built from a pre-encoded
 * {@link OpenAiFormat.ChunkTemplate}. Nothing is written before the first token, so that a rejection can still be a
 * plain 503 with an error body. Tokens wait in {@code pending} until {@link #flush}, or until the connection drains
 * when the client reads slowly (see {@link Sink}).
 */
final class HttpSink implements Sink {

    private final HttpServerResponse response;
    private final CompletionRequest request;
    private final String id;
    private final long created;
    /** The whole text of a non-streamed response, and what the worker's server sent besides. */
    private StringBuilder text;
    private OpenAiFormat.Relayed relayed;
    /** SSE events not written yet; null while there are none (a thousand idle streams hold no buffers). */
    private StringBuilder pending;
    private OpenAiFormat.ChunkTemplate chunks;
    private boolean waitingForDrain;

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
    public void token(int index, String tokenText, String finishReason, JsonObject fromServer) {
        if (gone()) {
            return;
        }
        if (!request.stream()) {
            if (text == null) {
                text = new StringBuilder();
            }
            text.append(tokenText);
            if (fromServer != null) {
                if (relayed == null) {
                    relayed = new OpenAiFormat.Relayed();
                }
                relayed.add(fromServer);
            }
            return;
        }
        if (pending == null) {
            pending = new StringBuilder(256);
        }
        if (chunks == null) {
            chunks = new OpenAiFormat.ChunkTemplate(request.chat(), id, created, request.model(), request.includeUsage());
            if (request.chat()) {
                // OpenAI's first chat chunk announces the assistant role with empty content.
                pending.append(OpenAiFormat.sse(OpenAiFormat.chunk(true, id, created, request.model(), "assistant", "",
                        null, request.includeUsage())));
            }
        }
        if (fromServer == null) {
            chunks.append(pending, tokenText, finishReason);
        } else {
            pending.append(OpenAiFormat.sse(OpenAiFormat.chunk(request.chat(), id, created, request.model(), tokenText,
                    finishReason, request.includeUsage(), fromServer)));
        }
    }

    @Override
    public void flush() {
        if (pending == null || gone() || waitingForDrain) {
            return;
        }
        if (response.writeQueueFull()) {
            // No closeHandler here: the ingress's one turns a closed connection into an abort, and must stay.
            waitingForDrain = true;
            response.drainHandler(v -> {
                waitingForDrain = false;
                flush();
            });
            return;
        }
        writeHead();
        response.write(pending.toString());
        pending = null;
    }

    private void writeHead() {
        if (!response.headWritten()) {
            response.setStatusCode(200).setChunked(true)
                    .putHeader("content-type", "text/event-stream; charset=utf-8")
                    .putHeader("cache-control", "no-cache")
                    .putHeader("x-request-id", id);
        }
    }

    @Override
    public void done(String finishReason, int promptTokens, int completionTokens) {
        if (gone()) {
            return;
        }
        if (!request.stream()) {
            response.setStatusCode(200).putHeader("content-type", "application/json").putHeader("x-request-id", id)
                    .end(OpenAiFormat.response(request.chat(), id, created, request.model(),
                            text == null ? "" : text.toString(), finishReason, promptTokens, completionTokens,
                            relayed == null ? new OpenAiFormat.Relayed() : relayed).encode());
            return;
        }
        // The last tokens, the usage and the end of the stream in one write, after whatever waits for a drain.
        writeHead();
        StringBuilder last = pending == null ? new StringBuilder() : pending;
        if (request.includeUsage()) {
            last.append(OpenAiFormat.sse(OpenAiFormat.usageChunk(request.chat(), id, created, request.model(),
                    promptTokens, completionTokens)));
        }
        response.end(last.append(OpenAiFormat.SSE_DONE).toString());
        pending = null;
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
    public void failed(int status, String code, String message) {
        if (gone()) {
            return;
        }
        JsonObject body = ApiError.body(message, status >= 500 ? "server_error" : ApiError.INVALID_REQUEST, null, code);
        if (!response.headWritten() && pending == null) {
            response.setStatusCode(status).putHeader("content-type", "application/json").putHeader("x-request-id", id)
                    .end(body.encode());
            return;
        }
        // Mid-stream: the tokens still waiting, an error frame as vLLM sends it, then the stream's end.
        writeHead();
        StringBuilder last = pending == null ? new StringBuilder() : pending;
        response.end(last.append(OpenAiFormat.sse(body)).append(OpenAiFormat.SSE_DONE).toString());
        pending = null;
    }
}
