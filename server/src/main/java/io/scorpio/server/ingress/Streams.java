package io.scorpio.server.ingress;

import io.scorpio.server.bus.StreamEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests this ingress streams to, by submission id, and the hand-out of the guards' event batches to them:
 * each request gets its events in order, then each touched client connection is written once for the whole batch.
 * An event for a request that has ended (its client left, say) finds nothing here and is dropped.
 *
 * <p>Confined to the ingress's event loop.
 */
final class Streams {

    private final Map<String, Inflight> bySid = new HashMap<>();
    private final AtomicInteger openGauge;

    Streams(AtomicInteger openGauge) {
        this.openGauge = openGauge;
    }

    /** From now on events named {@code sid} go to {@code request}. */
    void open(String sid, Inflight request) {
        if (bySid.put(sid, request) == null) {
            openGauge.incrementAndGet();
        }
    }

    void close(String sid) {
        if (bySid.remove(sid) != null) {
            openGauge.decrementAndGet();
        }
    }

    void dispatch(List<StreamEvent> events) {
        Set<Inflight> touched = new LinkedHashSet<>();
        for (StreamEvent e : events) {
            Inflight r = bySid.get(e.sid());
            if (r != null) {
                r.onEvent(e);
                touched.add(r);
            }
        }
        touched.forEach(Inflight::flush);
    }

    /** Every request with an open stream (for a node that left: those it served must be told). */
    List<Inflight> all() {
        return new ArrayList<>(new LinkedHashSet<>(bySid.values()));
    }
}
