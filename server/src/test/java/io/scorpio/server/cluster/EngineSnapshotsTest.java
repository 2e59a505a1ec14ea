package io.scorpio.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.scorpio.core.cluster.EngineSnapshot;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The held copy of the snapshot map against a real Hazelcast member (alone, on loopback). Hazelcast fires no entry
 * event for what a split-brain merge writes into a replicated map, nor for the copy a joining member receives; the
 * copy is read back from the map every second so that such entries are not missed. Here the listener is stopped, so
 * the map changes the way a merge changes it: silently.
 */
class EngineSnapshotsTest {

    private HazelcastInstance hz;
    private ReplicatedMap<String, String> map;

    @BeforeEach
    void start() {
        hz = LoopbackMember.start("snapshots-test");
        map = hz.getReplicatedMap(EngineSnapshots.MAP);
    }

    @AfterEach
    void stop() {
        hz.shutdown();
    }

    private static EngineSnapshot idle(int waiting, long version) {
        return new EngineSnapshot(0, 0, 0, waiting, 0, 0, 0, 0, 0, 100, new StepTimeModel(2e-5, 0.1, 0.001, 8),
                new PrefillTimeModel(500, 10, 0.05, 5), true, 20, true, false, version);
    }

    private static void put(ReplicatedMap<String, String> map, String node, long incarnation, EngineSnapshot s) {
        put(map, node, incarnation, EngineSnapshots.RENEW_MS, s);
    }

    private static void put(ReplicatedMap<String, String> map, String node, long incarnation, long renewMs,
                            EngineSnapshot s) {
        map.put(EngineSnapshots.key(node, 0), WireFormat.snapshot(node, 0, incarnation, renewMs, s).encode());
    }

    private static int waitingOf(EngineSnapshots snapshots, String node) {
        List<EngineSnapshot> held = snapshots.of(node);
        assertEquals(1, held.size(), node + ": " + held);
        return held.get(0).waiting();
    }

    @Test
    void entriesTheListenerMissedAreReadBackFromTheMap() {
        try (EngineSnapshots snapshots = EngineSnapshots.cluster(hz, "self", 10)) {
            snapshots.update("self", 0, 1, idle(3, 5));
            snapshots.stopListening();
            put(map, "b", 1, idle(7, 1));
            put(map, "c", 1, idle(1, 1));
            put(map, "self", 1, idle(99, 1)); // an old copy of this node's own engine: never read over the live one

            snapshots.resync();
            assertEquals(7, waitingOf(snapshots, "b"));
            assertEquals(1, waitingOf(snapshots, "c"));
            assertEquals(3, waitingOf(snapshots, "self"));

            put(map, "b", 1, idle(2, 2));   // newer: replaces
            put(map, "c", 1, idle(9, 0));   // older version of the same run: ignored
            map.remove(EngineSnapshots.key("self", 0));
            snapshots.resync();
            assertEquals(2, waitingOf(snapshots, "b"));
            assertEquals(1, waitingOf(snapshots, "c"));
            assertEquals(3, waitingOf(snapshots, "self"), "this node's own engine is held whatever the map says");

            map.remove(EngineSnapshots.key("c", 0));
            snapshots.resync();
            assertTrue(snapshots.of("c").isEmpty(), "gone from the map, so gone from the copy");
            assertEquals(2, waitingOf(snapshots, "b"));
        }
    }

    @Test
    void anotherNodesSnapshotIsTrustedForPlacementOnlyWhileItIsRenewed() {
        AtomicLong nanos = new AtomicLong();
        long bound = EngineSnapshots.STALE_AFTER_RENEWALS * EngineSnapshots.RENEW_MS * 1_000_000;
        try (EngineSnapshots snapshots = EngineSnapshots.cluster(hz, "self", 10, nanos::get)) {
            snapshots.stopListening();
            snapshots.update("self", 0, 1, idle(3, 1));
            put(map, "b", 1, idle(7, 1));
            put(map, "slow", 1, 60_000, idle(1, 1)); // a node that renews only every minute, and says so
            snapshots.resync();

            nanos.set(bound);
            assertEquals(1, snapshots.trusted("b").size(), "renewed within three periods: trusted");
            nanos.set(bound + 1);
            assertTrue(snapshots.trusted("b").isEmpty(), "not renewed within three periods: not trusted");
            assertEquals(7, waitingOf(snapshots, "b"), "still held, and shown in the cluster view");
            assertEquals(1, snapshots.trusted("slow").size(), "judged by its own renewal period");
            assertEquals(1, snapshots.trusted("self").size(), "this node's own engines are always current");

            snapshots.resync();
            assertTrue(snapshots.trusted("b").isEmpty(), "reading the same version back is no renewal");
            put(map, "b", 1, idle(5, 2));
            snapshots.resync();
            assertEquals(1, snapshots.trusted("b").size(), "a newer version is");
        }
    }

    @Test
    void theCopyCatchesUpOnItsOwnWithinASecondOrTwo() throws Exception {
        try (EngineSnapshots snapshots = EngineSnapshots.cluster(hz, "self", 10)) {
            snapshots.stopListening();
            put(map, "b", 1, idle(4, 1));
            long end = System.nanoTime() + 10_000_000_000L;
            while (snapshots.of("b").isEmpty()) {
                assertTrue(System.nanoTime() < end, "read back within 10 s (every " + EngineSnapshots.RESYNC_MS + " ms)");
                Thread.sleep(50);
            }
            assertEquals(4, waitingOf(snapshots, "b"));
        }
    }
}
