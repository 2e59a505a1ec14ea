package io.scorpio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One list of Hazelcast's JVM flags (the root pom's jvm.add-opens / jvm.add-exports), read by every launcher. */
class HazelcastJvmFlagsTest {

    @Test
    void theLaunchersListAndThisTestJvmsArgLineComeFromTheSameList() {
        List<String> flags = Launcher.HAZELCAST_JVM_FLAGS;
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < flags.size() - 1; i++) {
            if (flags.get(i).equals("--add-opens") || flags.get(i).equals("--add-exports")) {
                pairs.add(flags.get(i) + "=" + flags.get(i + 1));
            }
        }
        assertTrue(pairs.contains("--add-opens=java.base/java.lang=ALL-UNNAMED"), flags.toString());
        assertTrue(pairs.contains("--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"), flags.toString());
        // Surefire's argLine is built from the same properties (build-helper's regex-property): this JVM got each flag.
        List<String> mine = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String pair : pairs) {
            assertTrue(mine.contains(pair), pair + " missing from this JVM's arguments " + mine);
        }
        assertEquals(5, pairs.size(), "four opens and one export: " + pairs);
    }
}
