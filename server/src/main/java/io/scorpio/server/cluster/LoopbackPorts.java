package io.scorpio.server.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks ports for several nodes started on one host (the tests' clusters, the live scale experiment).
 *
 * <p>Why not {@code new ServerSocket(0)} per port: a port found free that way is free only until it is closed.
 * Picking each node's ports one by one while earlier nodes are still starting let two picks land on the same
 * number (one node's Hazelcast port, not yet bound, handed out again as another's HTTP port), and any socket
 * bound to port 0 (a node's event bus, an outgoing connection) can take a picked port before its node binds it.
 * So every port a cluster needs is picked at once, as one block of consecutive ports below Linux's ephemeral range
 * (32768 and up), where the kernel never hands out ports on its own; the block's start is random, so parallel
 * runs rarely meet.
 */
public final class LoopbackPorts {

    private static final int LOWEST = 20_000;
    private static final int BELOW = 32_000;

    private LoopbackPorts() {
    }

    /** One node's ports: its Hazelcast member, its HTTP server, its clustered event bus. */
    public record NodePorts(int hazelcast, int http, int bus) {

        /** This node's entry in a {@code hazelcast.members} list. */
        public String member() {
            return "127.0.0.1:" + hazelcast;
        }
    }

    /** The ports of {@code nodes} nodes on this host, all picked at once as one {@link #freeBlock}. */
    public static List<NodePorts> forNodes(int nodes) {
        int base = freeBlock(3 * nodes);
        List<NodePorts> out = new ArrayList<>(nodes);
        for (int i = 0; i < nodes; i++) {
            out.add(new NodePorts(base + 3 * i, base + 3 * i + 1, base + 3 * i + 2));
        }
        return List.copyOf(out);
    }

    /** The first of {@code count} consecutive ports that are all free on 127.0.0.1 now. */
    public static int freeBlock(int count) {
        if (count < 1 || count > 100) {
            throw new IllegalArgumentException("count must be between 1 and 100, got " + count);
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = LOWEST + ThreadLocalRandom.current().nextInt(BELOW - LOWEST - count);
            boolean free = true;
            for (int port = base; port < base + count && free; port++) {
                free = bindable(port);
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no block of " + count + " free ports found between " + LOWEST + " and " + BELOW);
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
