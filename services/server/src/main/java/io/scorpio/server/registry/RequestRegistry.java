package io.scorpio.server.registry;

import io.vertx.core.Future;

/**
 * Where other nodes can see this node's live requests: id to owning node, engine and state. Writes are
 * fire-and-forget and ordered per node, so the guard's per-iteration work never waits on them; an entry is
 * removed when its request ends, whichever way it ends.
 */
public interface RequestRegistry {

    /** What the registry holds for one live request. */
    record Entry(String nodeId, int engine, String state, long arrivalEpochMs) {
    }

    void put(String id, Entry entry);

    void remove(String id);

    /** How many entries this node owns (for metrics and tests; may wait on the network). */
    Future<Integer> ownedCount();

    Future<Void> close();
}
