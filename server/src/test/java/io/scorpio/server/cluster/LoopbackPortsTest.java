package io.scorpio.server.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

    @Test
    void aBlockIsBelowTheEphemeralRangeAndEveryPortInItCanBeBound() throws Exception {
        int base = LoopbackPorts.freeBlock(9);
        assertTrue(base >= 20_000 && base + 9 <= 32_768, "block at " + base);
        List<ServerSocket> bound = new ArrayList<>();
        try {
            for (int port = base; port < base + 9; port++) {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                bound.add(s);
            }
        } finally {
            for (ServerSocket s : bound) {
                s.close();
            }
        }
    }

    @Test
    void aBlockNeverIncludesAPortInUse() throws Exception {
        // Occupy every other port of a block, then ask for many small blocks: none may include a port in use.
        int base = LoopbackPorts.freeBlock(20);
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int port = base; port < base + 20; port += 2) {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                held.add(s);
            }
            for (int i = 0; i < 2_000; i++) { // about 97% sure to try at least one overlapping block
                int b = LoopbackPorts.freeBlock(3);
                for (int port = b; port < b + 3; port++) {
                    boolean inUse = port >= base && port < base + 20 && (port - base) % 2 == 0;
                    assertFalse(inUse, "block at " + b + " includes port " + port + ", in use");
                }
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    @Test
    void refusesSillyCounts() {
        assertThrows(IllegalArgumentException.class, () -> LoopbackPorts.freeBlock(0));
        assertThrows(IllegalArgumentException.class, () -> LoopbackPorts.freeBlock(101));
    }
}
