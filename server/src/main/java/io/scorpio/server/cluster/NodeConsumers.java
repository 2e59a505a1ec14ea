package io.scorpio.server.cluster;

import io.scorpio.server.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * A verticle's consumers on the clustered bus ({@code scorpio.node.<id>.*}), registered again whenever a split
 * heals. A member on the smaller side of a split rejoins as a new member and the others dropped its
 * registrations when it left; without registering again, the healed node would be a member nobody can reach.
 */
public final class NodeConsumers {

    private record Entry(String address, Handler<Message<Object>> handler) {
    }

    private static final System.Logger LOG = System.getLogger(NodeConsumers.class.getName());

    private static final long[] REREGISTER_AFTER_MS = {2_000, 6_000};

    /**
     * A message with this header only makes its sender look up where the address is served (see
     * {@code ClusterRouter#warmPeers}); the consumer drops it.
     */
    public static final String WARM_UP = "scorpio-warm-up";

    private final Vertx vertx;
    private final List<Entry> entries = new ArrayList<>();
    private final List<MessageConsumer<Object>> live = new ArrayList<>();

    public NodeConsumers(Vertx vertx) {
        this.vertx = vertx;
    }

    @SuppressWarnings("unchecked")
    public <T> NodeConsumers add(String address, Handler<Message<T>> handler) {
        entries.add(new Entry(address, (Handler<Message<Object>>) (Handler<?>) handler));
        return this;
    }

    /** Registers every consumer, and again after each merge; completes when the first registration is done. */
    public Future<Void> register() {
        // Twice, a little after the merge: registering before the other members' listeners have reached this
        // member again would go unseen by them (their subscription caches would keep the node unreachable).
        vertx.eventBus().localConsumer(Addresses.CLUSTER_MERGED, m -> {
            for (long delay : REREGISTER_AFTER_MS) {
                vertx.setTimer(delay, t -> reregister());
            }
        });
        return registerAll();
    }

    private void reregister() {
        List<MessageConsumer<Object>> old = List.copyOf(live);
        live.clear();
        Future.all(old.stream().map(MessageConsumer::unregister).toList()).onComplete(v -> registerAll()
                .onComplete(r -> LOG.log(Level.INFO, () -> "registered again after a merge: " + entries.stream().map(Entry::address).toList()
                        + (r.failed() ? " (failed: " + r.cause() + ")" : ""))));
    }

    private Future<Void> registerAll() {
        List<Future<Void>> done = new ArrayList<>();
        for (Entry e : entries) {
            MessageConsumer<Object> c = vertx.eventBus().consumer(e.address(), m -> {
                if (!m.headers().contains(WARM_UP)) {
                    e.handler().handle(m);
                }
            });
            live.add(c);
            done.add(c.completion());
        }
        return Future.all(done).mapEmpty();
    }
}
