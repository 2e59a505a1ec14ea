package io.scorpio.server.registry;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.HashMap;
import java.util.Map;

/**
 * The request registry in a Hazelcast {@code IMap} named {@value #MAP}: {@code id -> {node, engine, state,
 * arrival}}. Every write runs on one ordered worker thread, so a put and the later remove of the same id can
 * never be reordered, and the event loops never block on the cluster.
 */
public final class HazelcastRequestRegistry implements RequestRegistry {

    public static final String MAP = "scorpio.requests";

    private final IMap<String, Map<String, Object>> map;
    private final WorkerExecutor writer;
    private final String nodeId;

    public HazelcastRequestRegistry(Vertx vertx, HazelcastInstance hz, String nodeId) {
        this.map = hz.getMap(MAP);
        this.writer = vertx.createSharedWorkerExecutor("scorpio-registry-" + nodeId, 1);
        this.nodeId = nodeId;
    }

    @Override
    public void put(String id, Entry e) {
        HashMap<String, Object> value = new HashMap<>();
        value.put("node", e.nodeId());
        value.put("engine", e.engine());
        value.put("state", e.state());
        value.put("arrival", e.arrivalEpochMs());
        writer.executeBlocking(() -> {
            map.set(id, value);
            return null;
        }, true);
    }

    @Override
    public void remove(String id) {
        writer.executeBlocking(() -> {
            map.delete(id);
            return null;
        }, true);
    }

    @Override
    public void removeOwnedBy(String owner) {
        writer.executeBlocking(() -> {
            for (Map.Entry<String, Map<String, Object>> e : map.entrySet()) {
                if (owner.equals(e.getValue().get("node"))) {
                    map.delete(e.getKey());
                }
            }
            return null;
        }, true);
    }

    @Override
    public Future<Integer> ownedCount() {
        // Queued behind the writes, so a count taken after a request ended sees its removal.
        return writer.executeBlocking(() -> {
            int n = 0;
            for (Map<String, Object> v : map.values()) {
                if (nodeId.equals(v.get("node"))) {
                    n++;
                }
            }
            return n;
        }, true);
    }

    @Override
    public Future<Integer> totalCount() {
        return writer.executeBlocking(map::size, true);
    }

    @Override
    public Future<Void> close() {
        return writer.close();
    }
}
