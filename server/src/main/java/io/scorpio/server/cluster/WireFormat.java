package io.scorpio.server.cluster;

import io.scorpio.core.cluster.EngineSnapshot;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
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
        if (!Double.isNaN(s.expectedHeadroom())) {
            o.put("expected_headroom", s.expectedHeadroom()).put("may_decline", s.mayDecline());
        }
        return withPrompt ? o.put("prompt", s.prompt()) : o;
    }

    /** The headroom the entry node's snapshot promised for a submission; NaN when it was not placed from one. */
    private static double expectedHeadroom(JsonObject submission) {
        Double h = submission.getDouble("expected_headroom");
        return h == null ? Double.NaN : h;
    }

    private static boolean mayDecline(JsonObject submission) {
        return submission.getBoolean("may_decline", false);
    }

    /**
     * The request of a quote or submission, with its arrival put on the receiving node's clock (the prompt is empty in
     * a quote), and what the entry node's snapshot promised for it.
     */
    public static Messages.Submit submit(JsonObject o, double nowMs) {
        return new Messages.Submit(o.getString("sid"), nowMs - o.getDouble("age_ms"), o.getInteger("prompt_tokens"),
                o.getInteger("max_tokens"), new Slo(o.getDouble("ttft_ms"), o.getDouble("tpot_ms")),
                o.getInteger("predicted", -1), o.getString("prompt", ""), expectedHeadroom(o), mayDecline(o));
    }

    /**
     * A guard's quote: the most headroom the request would have on one of its engines (higher is better), and the
     * most TTFT room there (milliseconds its deadline leaves beyond its minimal TTFT; negative: it would be rejected).
     */
    public static JsonObject quote(NodeQuote q) {
        return new JsonObject().put("node", q.node()).put("headroom", q.headroom()).put("ttft_room_ms", q.ttftRoomMs())
                .put("draining", q.draining());
    }

    public static NodeQuote quote(JsonObject o) {
        return new NodeQuote(o.getString("node"), o.getDouble("headroom"), o.getDouble("ttft_room_ms"),
                o.getBoolean("draining", false));
    }

    public static JsonObject reply(Messages.SubmitReply reply) {
        if (reply instanceof Messages.Refused r) {
            return new JsonObject().put("accepted", false).put("reason", r.reason().name()).put("message", r.message());
        }
        if (reply instanceof Messages.Declined d) {
            return new JsonObject().put("accepted", false).put("declined", d.reason()).put("message", d.message());
        }
        return new JsonObject().put("accepted", true).put("engine", ((Messages.Accepted) reply).engine());
    }

    public static Messages.SubmitReply reply(JsonObject o) {
        if (o.getBoolean("accepted")) {
            return new Messages.Accepted(o.getInteger("engine"));
        }
        if (o.containsKey("declined")) {
            return new Messages.Declined(o.getString("declined"), o.getString("message"));
        }
        return new Messages.Refused(RejectReason.valueOf(o.getString("reason")), o.getString("message"));
    }

    /**
     * An engine's snapshot as it is shared through Hazelcast ({@code EngineSnapshots}). Doubles are written with
     * {@code Double.toString}, which reads back to the same double, so a placement from the copy computes what one
     * from the original would. {@code t_min_ms} is left out when nothing is admitted (JSON has no NaN). {@code renew_ms}:
     * how often the node renews it at least.
     */
    public static JsonObject snapshot(String node, int engine, long incarnation, long renewMs, EngineSnapshot s) {
        JsonObject o = new JsonObject().put("node", node).put("engine", engine).put("incarnation", incarnation)
                .put("renew_ms", renewMs).put("version", s.version()).put("waiting_tokens", s.waitingTokens())
                .put("tail_ttft_ms", s.tailMinimalTtftMs()).put("admitted", s.admitted()).put("waiting", s.waiting())
                .put("vbs", s.vbs()).put("inverse_tpot_sum", s.inverseTpotSum()).put("length_sum", s.lengthSum())
                .put("kv_used", s.kvUsed()).put("kv_total", s.kvTotal())
                .put("step", new JsonArray().add(s.stepModel().a()).add(s.stepModel().b()).add(s.stepModel().c())
                        .add(s.stepModel().d()))
                .put("prefill", new JsonArray().add(s.prefillModel().theta()).add(s.prefillModel().constantMs())
                        .add(s.prefillModel().alpha()).add(s.prefillModel().beta()))
                .put("uses_predictor", s.usesPredictor()).put("rejection_margin_ms", s.rejectionMarginMs())
                .put("healthy", s.healthy()).put("draining", s.draining());
        if (!Double.isNaN(s.tMinMs())) {
            o.put("t_min_ms", s.tMinMs());
        }
        return o;
    }

    public static EngineSnapshots.Entry snapshot(JsonObject o) {
        JsonArray step = o.getJsonArray("step");
        JsonArray prefill = o.getJsonArray("prefill");
        EngineSnapshot s = new EngineSnapshot(o.getLong("waiting_tokens"), o.getDouble("tail_ttft_ms"),
                o.getInteger("admitted"), o.getInteger("waiting"), o.getDouble("vbs"), o.getDouble("t_min_ms", Double.NaN),
                o.getDouble("inverse_tpot_sum"), o.getLong("length_sum"), o.getInteger("kv_used"), o.getInteger("kv_total"),
                new StepTimeModel(step.getDouble(0), step.getDouble(1), step.getDouble(2), step.getDouble(3)),
                new PrefillTimeModel(prefill.getInteger(0), prefill.getDouble(1), prefill.getDouble(2), prefill.getDouble(3)),
                o.getBoolean("uses_predictor"), o.getDouble("rejection_margin_ms"), o.getBoolean("healthy"),
                o.getBoolean("draining"), o.getLong("version"));
        return new EngineSnapshots.Entry(o.getString("node"), o.getInteger("engine"), o.getLong("incarnation"), s,
                o.getLong("renew_ms", EngineSnapshots.RENEW_MS), 0);
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
                if (t.relayed() != null) {
                    o.put("relayed", t.relayed());
                }
            } else if (e instanceof StreamEvent.Done d) {
                o.put("t", "done").put("finish_reason", d.finishReason()).put("prompt_tokens", d.promptTokens())
                        .put("completion_tokens", d.completionTokens());
            } else if (e instanceof StreamEvent.Rejected r) {
                o.put("t", "rejected").put("reason", r.reason()).put("message", r.message()).put("migrated", r.migrated());
            } else if (e instanceof StreamEvent.Failed f) {
                o.put("t", "failed").put("message", f.message()).put("invalid", f.invalidRequest());
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
                        o.getString("finish_reason"), o.getJsonObject("relayed"));
                case "done" -> new StreamEvent.Done(sid, o.getString("finish_reason"), o.getInteger("prompt_tokens"),
                        o.getInteger("completion_tokens"));
                case "rejected" -> new StreamEvent.Rejected(sid, o.getString("reason"), o.getString("message"),
                        o.getBoolean("migrated", false));
                case "failed" -> new StreamEvent.Failed(sid, o.getString("message"), o.getBoolean("invalid", false));
                default -> throw new IllegalArgumentException("unknown stream event '" + o.getString("t") + "'");
            });
        }
        return out;
    }
}
