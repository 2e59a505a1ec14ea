package io.scorpio.experiments.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.policy.Policy;
import io.scorpio.experiments.trace.TraceException;
import io.scorpio.experiments.workload.LengthFilter;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.model.DataFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void replaysATraceUnderEachPolicyAndReportsTheWholeRunAndEachWindow(@TempDir Path dir) throws Exception {
        // 40 requests, one every 4 s (150 s: windows at 0, 60 and 120 s), light load.
        StringBuilder csv = new StringBuilder("arrival_time,prompt_tokens,output_tokens\n");
        for (int i = 0; i < 40; i++) {
            csv.append(i * 4 + 2).append(',').append(100 + 5 * i).append(',').append(50 + 2 * i).append('\n');
        }
        Path trace = dir.resolve("light.csv");
        Files.writeString(trace, csv);
        GpuProfile gpu = GpuProfile.loadDefault();
        FittedModels models = FittedModels.profile(gpu, Workloads.SHAREGPT.pool(DataFiles.resolve()), 1);
        TraceExperiment.Command c = TraceExperiment.parse(List.of(trace.toString(), "--policies", "vllm,scorpio",
                "--predictions", "oracle"));
        Path out = TraceExperiment.run(c, dir.resolve("results"), 3, p -> models.setup(p, gpu, 3));

        assertEquals(dir.resolve("results/replay/light"), out);
        for (String f : List.of("report.md", "summary.csv", "windows.csv", "selection.csv", "goodput-per-window.png",
                "adherence-per-window.png", "ttft-p99-per-window.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals(3, summary.size(), "a header and one row per policy");
        assertTrue(summary.get(1).startsWith("vllm,40,") && summary.get(2).startsWith("scorpio,40,"), summary.toString());
        List<String> windows = Files.readAllLines(out.resolve("windows.csv"));
        assertEquals(1 + 2 * 3, windows.size(), "three windows per policy");
        // Arrivals 0, 4, ..., 156 s after the first: 15, 15 and 10 per window; the last window covers 36 s.
        assertEquals(List.of("15", "15", "10"), windows.subList(1, 4).stream().map(l -> l.split(",")[2]).toList());
        assertEquals(10 / 36.0, Double.parseDouble(windows.get(3).split(",")[3]), 1e-9);
    }

    @Test
    void refusesUnknownOptionsMissingFilesAndUnknownPolicies() {
        TraceException e = assertThrows(TraceException.class, () -> TraceExperiment.parse(List.of("a.csv", "--rate",
                "3")));
        assertTrue(e.getMessage().contains("unknown option --rate"), e.getMessage());
        assertThrows(TraceException.class, () -> TraceExperiment.parse(List.of("--qps", "3")));
        TraceException policy = assertThrows(TraceException.class, () -> TraceExperiment.parse(List.of("a.csv",
                "--policies", "fifo")));
        assertTrue(policy.getMessage().contains("fifo"), policy.getMessage());
    }
}
