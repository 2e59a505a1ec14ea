package io.scorpio.server.config;

import java.util.List;

/**
 * The embedded Hazelcast member and the clustered event bus ({@code hazelcast.*}, {@code cluster.bus-port}).
 *
 * @param mode      {@code embedded} (a member in this process) or {@code none}
 * @param iface     the one address the member and the clustered event bus bind to
 * @param join      {@code tcp} ({@code members}) or {@code kubernetes} ({@code kubernetesServiceDns})
 * @param busPort   the clustered event bus's port; 0 picks a free one
 */
public record HazelcastSettings(String mode, String clusterName, int port, List<String> members, String iface, String join,
                                String kubernetesServiceDns, int heartbeatTimeoutS, int mergeDelayS, int busPort) {

    public HazelcastSettings {
        members = List.copyOf(members);
    }

    static HazelcastSettings from(ServerConfig c) {
        String join = Keys.oneOf(c, "hazelcast.join", "tcp", "kubernetes");
        String dns = Keys.optional(c, "hazelcast.kubernetes.service-dns");
        if (join.equals("kubernetes") && dns.isEmpty()) {
            throw new IllegalArgumentException("hazelcast.join=kubernetes needs hazelcast.kubernetes.service-dns "
                    + "(the headless Service's DNS name)");
        }
        return new HazelcastSettings(Keys.oneOf(c, "hazelcast.mode", "embedded", "none"), c.get("hazelcast.cluster-name").trim(),
                c.getInt("hazelcast.port"), List.of(c.get("hazelcast.members").trim().split("\\s*,\\s*")),
                bindAddress(c.get("hazelcast.interface")), join, dns, (int) Keys.positive(c, "hazelcast.heartbeat-timeout-s"),
                (int) Keys.positive(c, "hazelcast.merge-delay-s"), Keys.port(c, "cluster.bus-port"));
    }

    /** Whether this node joins a cluster (a Hazelcast member and a clustered event bus). */
    public boolean clustered() {
        return mode.equals("embedded");
    }

    private static String bindAddress(String value) {
        String a = value.trim();
        if (a.isEmpty() || a.equals("0.0.0.0") || a.equals("::") || a.contains("*")) {
            throw new IllegalArgumentException("hazelcast.interface must be one address of this host (members bind only "
                    + "to it), got '" + value + "'");
        }
        return a;
    }
}
