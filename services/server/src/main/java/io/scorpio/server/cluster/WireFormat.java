package io.scorpio.server.cluster;

import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.model.RejectReason;
import io.scorpio.model.Slo;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.guard.PredictedOutput;
import io.vertx.core.json.JsonObject;

/**
 * The JSON that crosses nodes: placement quotes, submissions and aborts. Node-local messages are passed by
 * reference; these are the only ones serialized, so their shape lives here, in one place.
 *
 * <p>Times cross as ages, never as instants: each node has its own monotonic clock, so a submission carries how
 * long ago the request arrived ({@code age_ms}) and the receiving guard puts its arrival that far back on its own
 * clock. The time on the wire itself (sub-millisecond on one network) is not counted.
 */
public final class WireFormat {

    private WireFormat() {
    }

    /** A request as the guards need it, for a quote (no prompt) or a submission (with prompt and origin). */
    public static JsonObject submit(Messages.Submit s, double nowMs, String origin, boolean withPrompt) {
        JsonObject o = new JsonObject().put("sid", s.id()).put("origin", origin).put("age_ms", Math.max(0, nowMs - s.arrivalMs()))
                .put("prompt_tokens", s.promptTokens()).put("max_tokens", s.maxTokens()).put("ttft_ms", s.slo().ttftMs())
                .put("tpot_ms", s.slo().tpotMs()).put("predicted", s.predictedTokens());
        return withPrompt ? o.put("prompt", s.prompt()) : o;
    }

    /** The request of a quote or submission, with its arrival put on the receiving node's clock. */
    public static RequestSpec spec(JsonObject o, double nowMs) {
        int maxTokens = o.getInteger("max_tokens");
        return new RequestSpec(o.getString("sid"), nowMs - o.getDouble("age_ms"), o.getInteger("prompt_tokens"),
                maxTokens, new Slo(o.getDouble("ttft_ms"), o.getDouble("tpot_ms")),
                PredictedOutput.forSpec(o.getInteger("predicted", -1), maxTokens));
    }

    /**
     * A guard's quote: the most headroom the request would have on one of its engines (higher is better), and the
     * most TTFT room there (milliseconds its deadline leaves beyond its minimal TTFT; negative: it would be rejected).
     */
    public static JsonObject quote(String node, double headroom, double ttftRoomMs) {
        return new JsonObject().put("node", node).put("headroom", headroom).put("ttft_room_ms", ttftRoomMs);
    }

    public static JsonObject reply(Messages.SubmitReply reply) {
        if (reply instanceof Messages.Refused r) {
            return new JsonObject().put("accepted", false).put("reason", r.reason().name()).put("message", r.message());
        }
        return new JsonObject().put("accepted", true).put("engine", ((Messages.Accepted) reply).engine());
    }

    public static Messages.SubmitReply reply(JsonObject o) {
        if (o.getBoolean("accepted")) {
            return new Messages.Accepted(o.getInteger("engine"));
        }
        return new Messages.Refused(RejectReason.valueOf(o.getString("reason")), o.getString("message"));
    }

    public static JsonObject abort(String submissionId) {
        return new JsonObject().put("sid", submissionId);
    }
}
