package io.scorpio.server.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import io.scorpio.server.bus.Addresses;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The cluster as this node sees it: which Scorpio nodes are members now. Each member carries its node id as the
 * Hazelcast member attribute {@value #NODE_ATTRIBUTE}, so reading the membership is local and never blocks.
 * When a member leaves (killed, or cut off by a split), every verticle of this node hears it on
 * {@link Addresses#NODE_LEFT}: the guard drops the requests whose client was there, the ingress re-places or
 * ends the requests that were being served there.
 */
public final class ClusterView implements AutoCloseable {

    public static final String NODE_ATTRIBUTE = "scorpio.node";

    private final String self;
    private final HazelcastInstance hazelcast;
    private final UUID listener;
    private final UUID lifecycle;
    /** The members when there is no Hazelcast: this node alone, or a fixed set (tests). */
    private final List<String> fixed;

    private ClusterView(String self, HazelcastInstance hazelcast, UUID listener, UUID lifecycle, List<String> fixed) {
        this.self = self;
        this.hazelcast = hazelcast;
        this.listener = listener;
        this.lifecycle = lifecycle;
        this.fixed = fixed;
    }

    /** A node on its own (no Hazelcast): the cluster is just this node. */
    public static ClusterView single(String self) {
        return fixed(self, List.of(self));
    }

    /** Members that never change, without Hazelcast: for tests of what a node does with the others' addresses. */
    public static ClusterView fixed(String self, List<String> nodes) {
        return new ClusterView(self, null, null, null, List.copyOf(nodes));
    }

    /** A member of a Hazelcast cluster; departures are published on this node's event bus. */
    public static ClusterView of(Vertx vertx, HazelcastInstance hazelcast, String self) {
        UUID id = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                String node = event.getMember().getAttribute(NODE_ATTRIBUTE);
                if (node != null && !node.equals(self)) {
                    vertx.eventBus().publish(Addresses.NODE_LEFT, node, Addresses.LOCAL);
                }
            }
        });
        // After a split heals, this node's cluster consumers must be registered again (see NodeConsumers).
        UUID merged = hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                vertx.eventBus().publish(Addresses.CLUSTER_MERGED, self, Addresses.LOCAL);
            }
        });
        return new ClusterView(self, hazelcast, id, merged, null);
    }

    public String self() {
        return self;
    }

    /** The Scorpio nodes in the cluster now, this one included, in member order (oldest first). */
    public List<String> nodes() {
        if (hazelcast == null) {
            return fixed;
        }
        if (!hazelcast.getLifecycleService().isRunning()) {
            return List.of(self);
        }
        List<String> out = new ArrayList<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            String node = m.getAttribute(NODE_ATTRIBUTE);
            if (node != null) {
                out.add(node);
            }
        }
        if (!out.contains(self)) {
            out.add(self);
        }
        return out;
    }

    @Override
    public void close() {
        if (listener != null && hazelcast.getLifecycleService().isRunning()) {
            hazelcast.getCluster().removeMembershipListener(listener);
            hazelcast.getLifecycleService().removeLifecycleListener(lifecycle);
        }
    }
}
