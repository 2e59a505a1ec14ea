package io.scorpio.server.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.scorpio.core.cluster.EngineSnapshot;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Every engine's snapshot in the cluster, held in this node's memory: what placement reads instead of asking every
 * node per request, and what the cluster view of {@code /scorpio/state} and the dashboard shows.
 *
 * <p>Each guard shares its engines' snapshots through the Hazelcast {@code ReplicatedMap} {@value #MAP} (key
 * {@code node/engine}, value the JSON of {@link WireFormat#snapshot}); every member holds a full copy, and a listener
 * keeps the parsed copy here up to date, so a placement reads plain memory and never blocks. Writes to the map run on
 * one thread of their own (a put may go to another member), coalesced per engine: only the newest snapshot of an
 * engine waits to be written. This node's own engines are also written straight into the local copy on every change,
 * so they are never staler than the guard's last publish.
 *
 * <p>Entries go with their node: every survivor removes a departed node's entries ({@link #removeNode}), a node
 * removes its own when it closes, and each entry has a time to live that the guard's periodic refresh renews.
 * A snapshot replaces the one held only if it is newer (a later run of the node, or a higher version in the same run).
 *
 * <p>The listener alone would miss entries: Hazelcast fires no entry event for what a split-brain merge writes into
 * the map, nor for the copy a joining member receives. So the copy here is also read back from the map's local
 * replica every {@value #RESYNC_MS} ms; otherwise a node that shares rarely ({@code cluster.snapshot-interval-ms})
 * could stay invisible to another node for a whole interval after the two clusters merged.
 *
 * <p>Placement trusts another node's snapshot only while it is renewed: every guard shares each engine again, as a
 * newer version, at least every {@value #RENEW_MS} ms (or every {@code cluster.snapshot-interval-ms}, when that is
 * longer), and says so in the entry. One not renewed within {@value #STALE_AFTER_RENEWALS} such periods is not
 * trusted ({@link #trusted}), and the entry node asks that node for a quote instead. This bounds how stale a
 * placement's view can be even when the map itself stalls: a put waits for the member that owns the key's partition,
 * and while that member is frozen (until Hazelcast removes it, {@code hazelcast.heartbeat-timeout-s}) the shares of
 * every other node whose key it owns wait too.
 */
public final class EngineSnapshots implements AutoCloseable {

    public static final String MAP = "scorpio.engines";
    /** Entries not refreshed for this long disappear even if no one saw their node leave. */
    private final long ttlMs;
    /** How often the held copy is read back from the map's local replica (see the class comment). */
    static final long RESYNC_MS = 1_000;
    /** Each engine's snapshot is shared again, as a newer version, at least this often (see the class comment). */
    public static final long RENEW_MS = 1_000;
    /** Renewal periods missed before another node's snapshot is no longer trusted for placement. */
    static final int STALE_AFTER_RENEWALS = 3;

    /**
     * One engine's snapshot; {@code incarnation} tells runs of the same node id apart (its start time). {@code renewMs}
     * is how often its node renews it at least; {@code heardNanos} when this node last received a newer one (its own
     * {@code System.nanoTime}; 0 as read from the wire).
     */
    public record Entry(String node, int engine, long incarnation, EngineSnapshot snapshot, long renewMs, long heardNanos) {
        boolean newerThan(Entry other) {
            return other == null || incarnation > other.incarnation
                    || (incarnation == other.incarnation && snapshot.version() > other.snapshot.version());
        }

        Entry heardAt(long nanos) {
            return new Entry(node, engine, incarnation, snapshot, renewMs, nanos);
        }

        /** How long ago this node received it, in milliseconds. */
        public long ageMs(long nowNanos) {
            return (nowNanos - heardNanos) / 1_000_000;
        }
    }

    private static final System.Logger LOG = System.getLogger(EngineSnapshots.class.getName());

    private final String self;
    /** How often this node renews its own snapshots at least. */
    private final long renewMs;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Entry> held = new ConcurrentHashMap<>();
    private final ReplicatedMap<String, String> map;
    private final UUID listener;
    private final ScheduledExecutorService writer;
    /** Per key, the newest JSON not yet written; a write task is queued only when the key had none. */
    private final ConcurrentHashMap<String, String> unwritten = new ConcurrentHashMap<>();

    private EngineSnapshots(String self, ReplicatedMap<String, String> map, long ttlMs, long renewMs, LongSupplier nanoTime) {
        this.self = self;
        this.ttlMs = ttlMs;
        this.renewMs = renewMs;
        this.nanoTime = nanoTime;
        this.map = map;
        if (map == null) {
            this.listener = null;
            this.writer = null;
            return;
        }
        this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "scorpio-snapshots-" + self);
            t.setDaemon(true);
            return t;
        });
        this.listener = map.addEntryListener(new Listener());
        resync();
        writer.scheduleWithFixedDelay(this::resync, RESYNC_MS, RESYNC_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Reads the map's local replica into the copy here: only newer snapshots replace what is held, and another node's
     * entry no longer in the map is dropped (its removal event may have raced this read).
     */
    void resync() {
        try {
            for (Map.Entry<String, String> e : map.entrySet()) {
                accept(e.getKey(), e.getValue());
            }
            // Asked key by key, not of the entries read above: one added since then is in the map, and stays here.
            held.keySet().removeIf(k -> !own(k) && !map.containsKey(k));
        } catch (RuntimeException e) {
            // The member is shutting down or cut off: the next read, or the listener, catches up.
            LOG.log(System.Logger.Level.DEBUG, "snapshots not read back: " + e);
        }
    }

    /** Stops the entry listener, so that every later change reaches this copy only through {@link #resync}: tests. */
    void stopListening() {
        map.removeEntryListener(listener);
    }

    /** A node alone: only its own engines, nothing shared. */
    public static EngineSnapshots single(String self) {
        return single(self, System::nanoTime);
    }

    /** As {@link #single(String)}, on the given clock: tests that hold other nodes' snapshots and age them. */
    static EngineSnapshots single(String self, LongSupplier nanoTime) {
        return new EngineSnapshots(self, null, 0, RENEW_MS, nanoTime);
    }

    /**
     * @param shareIntervalMs how often the guards share at most ({@code cluster.snapshot-interval-ms}): entries live
     *                        10 s, or three intervals when that is longer, and the guards refresh them every second
     */
    public static EngineSnapshots cluster(HazelcastInstance hz, String self, long shareIntervalMs) {
        return cluster(hz, self, shareIntervalMs, System::nanoTime);
    }

    /** As {@link #cluster(HazelcastInstance, String, long)}, on the given clock (tests). */
    static EngineSnapshots cluster(HazelcastInstance hz, String self, long shareIntervalMs, LongSupplier nanoTime) {
        return new EngineSnapshots(self, hz.getReplicatedMap(MAP), Math.max(10_000, 3 * shareIntervalMs + 1_000),
                Math.max(RENEW_MS, shareIntervalMs), nanoTime);
    }

    static String key(String node, int engine) {
        return node + "/" + engine;
    }

    /** This node's engine changed: the local copy is updated now (placement on this node reads it at once). */
    public void update(String node, int engine, long incarnation, EngineSnapshot s) {
        Entry e = new Entry(node, engine, incarnation, s, renewMs, nanoTime.getAsLong());
        held.merge(key(node, engine), e, (old, now) -> now.newerThan(old) ? now : old);
    }

    /** Shares this node's engine with the cluster (rate-limited by the guard); returns at once. */
    public void share(String node, int engine, long incarnation, EngineSnapshot s) {
        update(node, engine, incarnation, s);
        if (map == null) {
            return;
        }
        String key = key(node, engine);
        if (unwritten.put(key, WireFormat.snapshot(node, engine, incarnation, renewMs, s).encode()) == null) {
            writer.execute(() -> {
                String json = unwritten.remove(key);
                if (json != null) {
                    try {
                        map.put(key, json, ttlMs, TimeUnit.MILLISECONDS);
                    } catch (RuntimeException e) {
                        // The member is shutting down or cut off: the next share or refresh writes again.
                        LOG.log(System.Logger.Level.DEBUG, "snapshot " + key + " not shared: " + e);
                    }
                }
            });
        }
    }

    /** The snapshots held of {@code node}'s engines (empty when none arrived yet). */
    public List<EngineSnapshot> of(String node) {
        return of(node, false);
    }

    /**
     * The snapshots of {@code node}'s engines that placement may trust: this node's own, and another's renewed within
     * {@value #STALE_AFTER_RENEWALS} of its renewal periods. Empty when there is none: the node is then asked.
     */
    public List<EngineSnapshot> trusted(String node) {
        return of(node, !node.equals(self));
    }

    private List<EngineSnapshot> of(String node, boolean renewedOnly) {
        long now = nanoTime.getAsLong();
        List<EngineSnapshot> out = new ArrayList<>(2);
        for (Entry e : held.values()) {
            boolean renewed = now - e.heardNanos() <= STALE_AFTER_RENEWALS * e.renewMs() * 1_000_000;
            if (e.node().equals(node) && (renewed || !renewedOnly)) {
                out.add(e.snapshot());
            }
        }
        return out;
    }

    /** This node's clock, as the entries' {@link Entry#heardNanos} read it. */
    public long nowNanos() {
        return nanoTime.getAsLong();
    }

    /** Every snapshot held, for the cluster view. */
    public Collection<Entry> all() {
        return new ArrayList<>(held.values());
    }

    /** A node left: its engines are no candidates any more; its entries are deleted from the shared map too. */
    public void removeNode(String node) {
        held.values().removeIf(e -> e.node().equals(node));
        if (map != null) {
            writer.execute(() -> {
                try {
                    map.keySet().stream().filter(k -> k.startsWith(node + "/")).forEach(map::remove);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "entries of " + node + " not removed: " + e);
                }
            });
        }
    }

    /** Whether the map key is one of this node's own engines. */
    private boolean own(String key) {
        return key.startsWith(self + "/");
    }

    private void accept(String key, String json) {
        if (own(key)) {
            return; // this node's own engines are written locally, always newer: not even parsed
        }
        Entry e = WireFormat.snapshot(new JsonObject(json)).heardAt(nanoTime.getAsLong());
        held.merge(key(e.node(), e.engine()), e, (old, now) -> now.newerThan(old) ? now : old);
    }

    private void dropped(String key) {
        if (!own(key)) {
            held.remove(key);
        }
    }

    /** Removes this node's entries from the shared map (it is leaving) and stops listening. */
    @Override
    public void close() {
        if (map == null) {
            return;
        }
        try {
            writer.submit(() -> {
                map.removeEntryListener(listener);
                map.keySet().stream().filter(this::own).forEach(map::remove);
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "own snapshots not removed on close: " + e);
        }
        writer.shutdownNow();
    }

    private final class Listener implements EntryListener<String, String> {
        @Override
        public void entryAdded(EntryEvent<String, String> event) {
            accept(event.getKey(), event.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> event) {
            accept(event.getKey(), event.getValue());
        }

        @Override
        public void entryRemoved(EntryEvent<String, String> event) {
            dropped(event.getKey());
        }

        @Override
        public void entryEvicted(EntryEvent<String, String> event) {
            dropped(event.getKey());
        }

        @Override
        public void entryExpired(EntryEvent<String, String> event) {
            dropped(event.getKey());
        }

        @Override
        public void mapEvicted(MapEvent event) {
        }

        @Override
        public void mapCleared(MapEvent event) {
        }
    }
}
