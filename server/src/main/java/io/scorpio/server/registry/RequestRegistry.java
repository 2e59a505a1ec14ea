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

    /** Removes every entry owned by {@code nodeId} (a node that left the cluster: its requests are gone with it). */
    void removeOwnedBy(String nodeId);

    /** How many entries this node owns (for metrics and tests; may wait on the network). */
    Future<Integer> ownedCount();

    /** How many entries the whole cluster's registry holds (for tests and /scorpio/state; may wait on the network). */
    Future<Integer> totalCount();

    Future<Void> close();
}
