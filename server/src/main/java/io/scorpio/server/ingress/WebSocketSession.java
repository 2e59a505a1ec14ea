package io.scorpio.server.ingress;

import io.scorpio.server.api.ApiError;
import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * One WebSocket connection carrying any number of concurrent requests, each named by the client's {@code id}.
 * The protocol is in {@code docs/service.md}: the client sends {@code request} and {@code abort} messages;
 * the server answers each request with {@code token}s, then exactly one of {@code usage}+{@code done},
 * {@code rejected} or {@code error}. Closing the socket aborts every request still running on it.
 *
 * <p>Messages leave in order through one queue: written while the socket's write queue has room, held while the
 * client reads slowly (at most every running request's {@code max_tokens} tokens and its final messages, since the
 * guard sends no more) and written when it drains.
 */
final class WebSocketSession {

    private final ServerWebSocket ws;
    private final Map<String, Inflight> live = new HashMap<>();
    /** Requests whose admission (the key's rate, maybe asked of the cluster) is still out; true once aborted. */
    private final Map<String, Boolean> admitting = new HashMap<>();
    /** Messages not written yet, oldest first. */
    private final ArrayDeque<String> outgoing = new ArrayDeque<>();
    private boolean closed;
    /** Concurrent requests this socket may run ({@code ws.max-requests}). */
    private final int maxRequests;

    WebSocketSession(ServerWebSocket ws, int maxRequests) {
        this.ws = ws;
        this.maxRequests = maxRequests;
        ws.drainHandler(v -> writeOutgoing());
        ws.closeHandler(v -> {
            closed = true;
            outgoing.clear();
            for (Inflight r : new ArrayList<>(live.values())) {
                r.clientGone();
            }
            live.clear();
        });
    }

    /**
     * Handles one client message; {@code start} validates and admits a request given the client's id and the
     * message, throwing {@link ApiError} on bad input or completing with the request to start (or failing with the
     * {@link ApiError} that refused it).
     */
    void onMessage(String text, BiFunction<String, JsonObject, Future<Inflight>> start) {
        JsonObject msg;
        String clientId = null;
        try {
            msg = RequestParser.parseJson(text);
            Object idValue = msg.getValue("id");
            if (idValue != null && !(idValue instanceof String)) {
                throw ApiError.badField("id", "invalid_type", "id must be a string");
            }
            clientId = (String) idValue;
            Object type = msg.getValue("type");
            if ("abort".equals(type)) {
                Inflight r = clientId == null ? null : live.remove(clientId);
                boolean beingAdmitted = clientId != null && Boolean.FALSE.equals(admitting.get(clientId));
                if (r != null || beingAdmitted) {
                    if (r != null) {
                        r.clientGone();
                    } else {
                        admitting.put(clientId, true); // dropped once its admission completes
                    }
                    send(new JsonObject().put("type", "error").put("id", clientId).put("status", 499)
                            .put("error", ApiError.body("aborted by the client", "aborted", null, "client_abort")
                                    .getJsonObject("error")));
                }
                return;
            }
            if (!"request".equals(type)) {
                throw ApiError.badField("type", "invalid_value", "type must be 'request' or 'abort'");
            }
            if (clientId == null || clientId.isEmpty()) {
                throw ApiError.badField("id", "missing_required_parameter", "a request needs an id, unique on this socket");
            }
            if (live.containsKey(clientId) || admitting.containsKey(clientId)) {
                throw ApiError.badField("id", "invalid_value", "request id '" + clientId + "' is already running on this socket");
            }
            if (live.size() + admitting.size() >= maxRequests) {
                throw new ApiError(429, "rate_limit_error", null, "too_many_requests", "this socket already runs "
                        + maxRequests + " requests, its limit (ws.max-requests); wait for one to end or open another socket");
            }
            String id = clientId;
            Future<Inflight> admitted = start.apply(id, msg);
            admitting.put(id, false);
            admitted.onComplete(ar -> {
                boolean aborted = admitting.remove(id);
                if (closed || aborted) {
                    if (ar.succeeded() && ar.result() != null) {
                        ar.result().discard();
                    }
                    return; // nothing was started; an abort was answered when it came
                }
                if (ar.succeeded()) {
                    live.put(id, ar.result());
                    ar.result().start();
                } else if (ar.cause() instanceof PromptRefused r) {
                    // As the guard's refusal of the same request would be answered.
                    send(new JsonObject().put("type", "rejected").put("id", id).put("status", r.status())
                            .put("error", r.body().getJsonObject("error")));
                } else if (ar.cause() instanceof ApiError e) {
                    sendError(id, e);
                } else {
                    sendError(id, new ApiError(500, "server_error", null, "internal_error", "internal error"));
                }
            });
        } catch (ApiError e) {
            sendError(clientId, e);
        }
    }

    /** Refuses a request that never started (e.g. its message was over the size limit). */
    void refuse(String clientId, ApiError e) {
        sendError(clientId, e);
    }

    private void sendError(String clientId, ApiError e) {
        send(new JsonObject().put("type", "error").put("id", clientId).put("status", e.status())
                .put("error", e.body().getJsonObject("error")));
    }

    /** The sink of one request on this socket. */
    Sink sink(String clientId) {
        String tokenPrefix = "{\"type\":\"token\",\"id\":" + OpenAiFormat.quote(clientId) + ",\"index\":";
        return new Sink() {
            @Override
            public void token(int index, String text, String finishReason, JsonObject relayed) {
                if (closed) {
                    return;
                }
                StringBuilder frame = new StringBuilder(tokenPrefix.length() + text.length() + 24).append(tokenPrefix)
                        .append(index).append(",\"text\":");
                OpenAiFormat.quote(frame, text);
                if (relayed != null) {
                    // The server's fields beside the text (logprobs, tool_calls, ...), flat in the token message.
                    JsonObject fields = relayed.copy();
                    Object delta = fields.remove("delta");
                    if (delta instanceof JsonObject d) {
                        fields.mergeIn(d);
                    }
                    String json = fields.encode();
                    if (json.length() > 2) {
                        frame.append(',').append(json, 1, json.length() - 1);
                    }
                }
                outgoing.add(frame.append('}').toString());
            }

            @Override
            public void flush() {
                writeOutgoing();
            }

            @Override
            public void done(String finishReason, int promptTokens, int completionTokens) {
                send(new JsonObject().put("type", "usage").put("id", clientId)
                        .mergeIn(OpenAiFormat.usage(promptTokens, completionTokens)));
                send(new JsonObject().put("type", "done").put("id", clientId).put("finish_reason", finishReason));
                live.remove(clientId);
            }

            @Override
            public void rejected(int status, String type, String param, String message) {
                send(new JsonObject().put("type", "rejected").put("id", clientId).put("status", status)
                        .put("error", ApiError.body(message, type, param, type).getJsonObject("error")));
                live.remove(clientId);
            }

            @Override
            public void failed(int status, String code, String message) {
                send(new JsonObject().put("type", "error").put("id", clientId).put("status", status)
                        .put("error", ApiError.body(message, status >= 500 ? "server_error" : ApiError.INVALID_REQUEST, null,
                                code).getJsonObject("error")));
                live.remove(clientId);
            }
        };
    }

    /** Queues a message behind any waiting ones and writes what the socket takes. */
    private void send(JsonObject msg) {
        if (closed) {
            return;
        }
        outgoing.add(msg.encode());
        writeOutgoing();
    }

    private void writeOutgoing() {
        while (!closed && !outgoing.isEmpty() && !ws.writeQueueFull()) {
            ws.writeTextMessage(outgoing.poll());
        }
    }
}
