package io.scorpio.server.guard;

import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.StreamEvent;
import io.scorpio.server.cluster.WireFormat;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stream events the guard owes the ingresses, gathered per ingress and sent together: one bus message per
 * ingress per step, whatever the number of requests in it. The ingress of this node gets a typed
 * {@link StreamEvent.Batch} by reference; another node's ingress gets the same events as JSON.
 *
 * <p>Confined to the guard's event loop.
 */
final class Outbox {

    private final EventBus bus;
    private final String self;
    private final Map<String, List<StreamEvent>> byNode = new LinkedHashMap<>();

    Outbox(EventBus bus, String self) {
        this.bus = bus;
        this.self = self;
    }

    /** An event for the ingress of node {@code origin} (the node the request entered). */
    void add(String origin, StreamEvent event) {
        byNode.computeIfAbsent(origin, n -> new ArrayList<>()).add(event);
    }

    /** Sends what was gathered, one message per ingress, in the order the events were added. */
    void flush() {
        if (byNode.isEmpty()) {
            return;
        }
        byNode.forEach((node, events) -> {
            if (node.equals(self)) {
                bus.send(Addresses.INGRESS_STREAMS, new StreamEvent.Batch(events), Addresses.LOCAL);
            } else {
                bus.send(Addresses.nodeStreams(node), WireFormat.events(events));
            }
        });
        byNode.clear();
    }
}
