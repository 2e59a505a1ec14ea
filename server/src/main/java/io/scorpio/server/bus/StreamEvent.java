package io.scorpio.server.bus;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What the guard tells an ingress about one of its requests, named by the request's submission id. Exactly one
 * terminal event ({@link Done}, {@link Rejected} or {@link Failed}) ends every request; {@link Token}s come before.
 * Events travel in {@link Batch}es: everything one engine step (or one guard decision) produced for one ingress,
 * in one message.
 */
public sealed interface StreamEvent {

    /** The submission id the event is about (the request id, or {@code id-rN} after a re-placement). */
    String sid();

    /**
     * Token number {@code index} (1-based) of the request; {@code finishReason} is set on its last one.
     * {@code relayed}: what the worker's server sent with it for the client, unchanged ({@code EngineWorker.Token}),
     * or null.
     */
    record Token(String sid, int index, String text, String finishReason, JsonObject relayed) implements StreamEvent {
    }

    /** The request completed; counts are the worker's real tokens. */
    record Done(String sid, String finishReason, int promptTokens, int completionTokens) implements StreamEvent {
    }

    /**
     * The guard rejected it before its first token; {@code reason} is a {@code RejectReason.errorType()}.
     * {@code migrated}: it had already moved once (guard.migration), so it must not move again.
     */
    record Rejected(String sid, String reason, String message, boolean migrated) implements StreamEvent {
    }

    /**
     * The request failed: its worker could not serve it, or ({@code invalidRequest}) the worker's server refused it
     * as invalid.
     */
    record Failed(String sid, String message, boolean invalidRequest) implements StreamEvent {
    }

    /** The events for one ingress, in the order they happened: one bus message per step per ingress. */
    record Batch(List<StreamEvent> events) implements LocalMessage {
        public Batch {
            events = List.copyOf(events);
        }
    }
}
