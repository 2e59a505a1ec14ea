package io.scorpio.experiments.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.policy.Policy;
import io.scorpio.experiments.trace.TraceException;
import io.scorpio.experiments.workload.LengthFilter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The replay command's line: every policy by default, named ones, the trace options, and clear refusals. */
class TraceExperimentTest {

    @Test
    void defaultsToThePapersPoliciesAndReadsTheTraceOptions() {
        TraceExperiment.Command c = TraceExperiment.parse(List.of("my.csv"));
        assertEquals(Path.of("my.csv"), c.file());
        assertEquals(Policy.ALL, c.policies());
        assertEquals(60, c.windowSeconds());
        assertEquals(TraceExperiment.parse(List.of("my.csv")).trace().filter(), c.trace().filter());

        TraceExperiment.Command d = TraceExperiment.parse(List.of("--policies", "vllm,scorpio-chunked,vllm",
                "my.jsonl", "--filter=paper", "--max-prompt", "512", "--qps", "8", "--window-s", "10"));
        assertEquals(List.of(Policy.VLLM, Policy.SCORPIO_CHUNKED), d.policies(), "named twice, run once");
        assertEquals(new LengthFilter(4, 4, 512, 2048), d.trace().filter());
        assertEquals(8, d.trace().qps());
        assertEquals(10, d.windowSeconds());
    }

    @Test
    void refusesUnknownOptionsMissingFilesAndUnknownPolicies() {
        TraceException e = assertThrows(TraceException.class, () -> TraceExperiment.parse(List.of("a.csv", "--rate",
                "3")));
        assertTrue(e.getMessage().contains("unknown option --rate"), e.getMessage());
        assertThrows(TraceException.class, () -> TraceExperiment.parse(List.of("--qps", "3")));
        assertThrows(IllegalArgumentException.class, () -> TraceExperiment.parse(List.of("a.csv", "--policies",
                "fifo")));
    }
}
