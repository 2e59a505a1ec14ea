package io.scorpio.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.model.RequestOutcome;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak, shortened for the normal build: 45 s of ShareGPT arrivals at QPS 8 (just above the scorpio policy's
 * capacity) through a real node in real time, under the module's fixed test heap (-Xmx512m in the pom). It
 * asserts accounting and boundedness, not speed: every request ends once (completed or rejected, none failed or
 * cut off), the node holds no request afterwards (/scorpio/state), and the heap after GC stays well under the limit.
 * The full 30-minute run is {@code Soak --minutes 30} (docs/load-tests.md).
 */
@Tag("slow") // a soak run: left out of the fast run (-DexcludedGroups=slow)
class SoakTest {

    @Test
    void shortSoakLeaksNothingAndStaysBounded(@TempDir Path out) throws Exception {
        Soak.Result r = Soak.run(45, 8, 5, 15, LiveClient.Transport.SSE, out, false);
        assertEquals(0, r.run().notSent(), "every request was sent");
        assertTrue(r.run().results().size() >= 300, "about 360 requests: " + r.run().results().size());
        for (RequestResult x : r.run().results()) {
            assertTrue(x.outcome() == RequestOutcome.COMPLETED || x.outcome() == RequestOutcome.REJECTED,
                    "request " + x.id() + " ended " + x.outcome() + " " + x.failureReason());
        }
        assertTrue(r.after().idle(), "no leaked requests: " + r.after());
        assertFalse(r.samples().isEmpty());
        long max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        double lastAfterGc = r.samples().stream().mapToDouble(Soak.Sample::heapAfterGcMib).filter(d -> !Double.isNaN(d))
                .reduce((a, b) -> b).orElse(0);
        assertTrue(lastAfterGc * 1048576 < 0.75 * max, "heap after GC " + lastAfterGc + " MiB of " + max / 1048576);
    }
}
