package io.scorpio.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.experiments.runner.Workloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner end to end on a small sweep: every policy at every QPS, in all four output forms. */
class ExperimentsTest {

    @Test
    void aSmallSweepWritesEveryPolicyAtEveryQpsAsCsvJsonMarkdownAndPng(@TempDir Path out) throws Exception {
        new Experiments(out, 5, 40).sweep(Workloads.AZURE_CODE);
        Path dir = out.resolve("sweep-azure-code");
        List<String> csv = Files.readAllLines(dir.resolve("sweep.csv"));
        assertEquals("policy,qps,goodput,adherence,ttft_violations,tpot_violations,rejections,completed,requests",
                csv.get(0));
        assertEquals(1 + Experiments.SWEEP_QPS.length * 7, csv.size());
        assertTrue(csv.stream().skip(1).allMatch(l -> l.endsWith(",40")), "40 requests per point");
        assertTrue(Files.size(dir.resolve("sweep.json")) > 0);
        assertTrue(Files.readString(dir.resolve("sweep.md")).contains("| scorpio |"));
        assertTrue(Files.size(dir.resolve("goodput.png")) > 1000);
        assertTrue(Files.size(dir.resolve("adherence.png")) > 1000);
    }
}
