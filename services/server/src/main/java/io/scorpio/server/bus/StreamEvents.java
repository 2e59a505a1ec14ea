package io.scorpio.server.bus;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * The messages on a request's token stream ({@link Addresses#stream}), as JSON so that they could cross
 * nodes. Exactly one terminal event ends every stream: {@code done}, {@code rejected} or {@code error}.
 */
public final class StreamEvents {

    private StreamEvents() {
    }

    public static final String TOKEN = "token";
    public static final String DONE = "done";
    public static final String REJECTED = "rejected";
    public static final String ERROR = "error";

    /** A token; {@code finishReason} is set on the last one. */
    public static JsonObject token(int index, String text, String finishReason) {
        return new JsonObject().put("type", TOKEN).put("index", index).put("text", text).put("finish_reason", finishReason);
    }

    /** The request completed; counts are the worker's real tokens. */
    public static JsonObject done(String finishReason, int promptTokens, int completionTokens) {
        return new JsonObject().put("type", DONE).put("finish_reason", finishReason).put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens);
    }

    /** The guard rejected it before its first token; {@code reason} is a {@code RejectReason.errorType()}. */
    public static JsonObject rejected(String reason, String message) {
        return new JsonObject().put("type", REJECTED).put("reason", reason).put("message", message);
    }

    /** The request failed (worker error, protocol error). */
    public static JsonObject error(String message) {
        return new JsonObject().put("type", ERROR).put("message", message);
    }

    /** On a rejection: whether the request already migrated once (guard.migration), so it must not move again. */
    public static final String MIGRATED = "migrated";

    /** The field naming the request (its submission id) on events sent to a node's stream demultiplexer. */
    public static final String SUBMISSION = "sid";

    /**
     * Sends an event to a request's stream: straight to the local stream, or, for a request that entered
     * another node, to that node's {@link Addresses#nodeStreams demultiplexer} with the submission id added.
     */
    public static void deliver(EventBus bus, String streamAddress, String submissionId, JsonObject event) {
        if (Addresses.isNodeStreams(streamAddress)) {
            bus.send(streamAddress, event.put(SUBMISSION, submissionId));
        } else {
            bus.send(streamAddress, event, Addresses.LOCAL);
        }
    }

    public static boolean terminal(JsonObject event) {
        String type = event.getString("type");
        return DONE.equals(type) || REJECTED.equals(type) || ERROR.equals(type);
    }
}
