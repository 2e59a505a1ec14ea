package io.scorpio.server.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

/** A real Hazelcast member alone on loopback, for tests of what the node keeps in Hazelcast. */
public final class LoopbackMember {

    private LoopbackMember() {
    }

    /** Starts a member of its own cluster ({@code name} plus this JVM's pid): no discovery, no phone-home, no Jet. */
    public static HazelcastInstance start(String name) {
        Config cfg = new Config();
        cfg.setClusterName(name + "-" + ProcessHandle.current().pid());
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.logging.type", "jdk");
        cfg.getJetConfig().setEnabled(false);
        cfg.getNetworkConfig().setPort(LoopbackPorts.freeBlock(1)).setPortAutoIncrement(false);
        cfg.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        cfg.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        cfg.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        cfg.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(false);
        return Hazelcast.newHazelcastInstance(cfg);
    }
}
