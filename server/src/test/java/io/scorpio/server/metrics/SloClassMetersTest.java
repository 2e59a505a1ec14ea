package io.scorpio.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.RequestOutcome;
import io.scorpio.model.Slo;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SloClassMetersTest {

    @Test
    void requestsAreCountedUnderTheClassWhoseTargetsTheyCarry() {
        ServerMetrics metrics = new ServerMetrics();
        Map<String, Slo> classes = new LinkedHashMap<>();
        classes.put("1", new Slo(500, 30));
        classes.put("4", new Slo(500, 50));
        metrics.sloClasses().configure(classes, new Slo(2000, 50));
        SloClassMeters m = metrics.sloClasses();
        assertEquals("1", m.classOf(new Slo(500, 30)));
        assertEquals("4", m.classOf(new Slo(500, 50)));
        assertEquals(SloClassMeters.DEFAULT, m.classOf(new Slo(2000, 50)));
        assertEquals(SloClassMeters.CUSTOM, m.classOf(new Slo(1, 50)));

        m.ended(new Slo(500, 30), RequestOutcome.COMPLETED);
        m.met(new Slo(500, 30));
        m.ended(new Slo(500, 30), RequestOutcome.REJECTED);
        m.ended(new Slo(1, 50), RequestOutcome.REJECTED);
        String text = metrics.scrape();
        assertTrue(text.contains("scorpio_slo_class_requests_total{outcome=\"completed\",slo_class=\"1\"} 1.0"), text);
        assertTrue(text.contains("scorpio_slo_class_requests_total{outcome=\"rejected\",slo_class=\"1\"} 1.0"), text);
        assertTrue(text.contains("scorpio_slo_class_requests_total{outcome=\"rejected\",slo_class=\"custom\"} 1.0"), text);
        assertTrue(text.contains("scorpio_slo_class_goodput_requests_total{slo_class=\"1\"} 1.0"), text);
        // Configured classes are exposed at 0 before their first request.
        assertTrue(text.contains("scorpio_slo_class_goodput_requests_total{slo_class=\"4\"} 0.0"), text);
    }

    @Test
    void latencyHistogramsPutFractionalSecondsInTheRightBucket() {
        ServerMetrics metrics = new ServerMetrics();
        metrics.completed(30, 12, true);      // 30 ms TTFT, 12 ms TPOT
        String text = metrics.scrape();
        assertTrue(text.contains("scorpio_ttft_seconds_bucket{le=\"0.05\"} 1"), text);
        assertTrue(text.contains("scorpio_tpot_seconds_bucket{le=\"0.01\"} 0"), text);
        assertTrue(text.contains("scorpio_tpot_seconds_bucket{le=\"0.02\"} 1"), text);
        assertTrue(text.contains("scorpio_ttft_seconds_count 1"), text);
        assertTrue(text.contains("scorpio_goodput_requests_total 1.0"), text);
    }
}
