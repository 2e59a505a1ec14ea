package io.scorpio.server.cluster;

import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.model.RejectReason;
import io.scorpio.model.Slo;
import io.scorpio.server.bus.Messages;
import io.scorpio.server.bus.StreamEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON that crosses nodes: placement quotes, submissions, aborts and stream events. Node-local messages are passed by
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

    /**
     * The request of a quote or submission, with its arrival put on the receiving node's clock (the prompt is empty in
     * a quote).
     */
    public static Messages.Submit submit(JsonObject o, double nowMs) {
        return new Messages.Submit(o.getString("sid"), nowMs - o.getDouble("age_ms"), o.getInteger("prompt_tokens"),
                o.getInteger("max_tokens"), new Slo(o.getDouble("ttft_ms"), o.getDouble("tpot_ms")),
                o.getInteger("predicted", -1), o.getString("prompt", ""));
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

    /** A batch of stream events for another node's ingress: {@code {"events": [{"t": "token", ...}, ...]}}. */
    public static JsonObject events(List<StreamEvent> events) {
        JsonArray out = new JsonArray();
        for (StreamEvent e : events) {
            JsonObject o = new JsonObject().put("sid", e.sid());
            if (e instanceof StreamEvent.Token t) {
                o.put("t", "token").put("index", t.index()).put("text", t.text()).put("finish_reason", t.finishReason());
            } else if (e instanceof StreamEvent.Done d) {
                o.put("t", "done").put("finish_reason", d.finishReason()).put("prompt_tokens", d.promptTokens())
                        .put("completion_tokens", d.completionTokens());
            } else if (e instanceof StreamEvent.Rejected r) {
                o.put("t", "rejected").put("reason", r.reason()).put("message", r.message()).put("migrated", r.migrated());
            } else if (e instanceof StreamEvent.Failed f) {
                o.put("t", "failed").put("message", f.message());
            }
            out.add(o);
        }
        return new JsonObject().put("events", out);
    }

    /** The events of {@link #events(List)}; an event of an unknown kind is an error, never skipped. */
    public static List<StreamEvent> events(JsonObject batch) {
        JsonArray in = batch.getJsonArray("events");
        List<StreamEvent> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            JsonObject o = in.getJsonObject(i);
            String sid = o.getString("sid");
            out.add(switch (o.getString("t")) {
                case "token" -> new StreamEvent.Token(sid, o.getInteger("index"), o.getString("text"),
                        o.getString("finish_reason"));
                case "done" -> new StreamEvent.Done(sid, o.getString("finish_reason"), o.getInteger("prompt_tokens"),
                        o.getInteger("completion_tokens"));
                case "rejected" -> new StreamEvent.Rejected(sid, o.getString("reason"), o.getString("message"),
                        o.getBoolean("migrated", false));
                case "failed" -> new StreamEvent.Failed(sid, o.getString("message"));
                default -> throw new IllegalArgumentException("unknown stream event '" + o.getString("t") + "'");
            });
        }
        return out;
    }
}
