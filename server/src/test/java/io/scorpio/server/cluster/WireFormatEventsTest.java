package io.scorpio.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.scorpio.server.bus.StreamEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stream events sent to another node's ingress arrive as they left, what the worker's server relayed included. */
class WireFormatEventsTest {

    @Test
    void everyKindOfEventSurvivesTheTrip() {
        JsonObject relayed = new JsonObject()
                .put("logprobs", new JsonObject().put("content", new JsonArray().add(new JsonObject()
                        .put("token", " Hi").put("logprob", -0.5).putNull("top_logprobs"))))
                .put("delta", new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("index", 0)
                        .put("function", new JsonObject().put("arguments", "{\"a\": 1}")))));
        List<StreamEvent> events = List.of(
                new StreamEvent.Token("r1", 1, " Hi", null, relayed),
                new StreamEvent.Token("r1", 2, "\u00e9 \"q\"\n", "tool_calls", null),
                new StreamEvent.Done("r1", "tool_calls", 5, 2),
                new StreamEvent.Rejected("r2", "ttft_unattainable", "too late", true),
                new StreamEvent.Failed("r3", "vLLM refused the request: bad", true));
        JsonObject wire = new JsonObject(WireFormat.events(events).encode()); // as the clustered bus carries it
        assertEquals(events, WireFormat.events(wire));
    }

    @Test
    void anUnknownEventIsAnErrorNotSkipped() {
        JsonObject wire = new JsonObject().put("events", new JsonArray().add(new JsonObject().put("sid", "r").put("t", "nova")));
        assertThrows(IllegalArgumentException.class, () -> WireFormat.events(wire));
    }
}
