package io.scorpio.server.registry;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The registry when Hazelcast is off ({@code hazelcast.mode=none}): a map in this process. */
public final class LocalRequestRegistry implements RequestRegistry {

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    @Override
    public void put(String id, Entry entry) {
        entries.put(id, entry);
    }

    @Override
    public void remove(String id) {
        entries.remove(id);
    }

    @Override
    public void removeOwnedBy(String nodeId) {
        entries.values().removeIf(e -> e.nodeId().equals(nodeId));
    }

    @Override
    public Future<Integer> ownedCount() {
        return Future.succeededFuture(entries.size());
    }

    @Override
    public Future<Integer> totalCount() {
        return ownedCount();
    }

    @Override
    public Future<Void> close() {
        entries.clear();
        return Future.succeededFuture();
    }
}
