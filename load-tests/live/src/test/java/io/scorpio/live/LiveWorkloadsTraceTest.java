package io.scorpio.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.scorpio.experiments.trace.TraceException;
import io.scorpio.experiments.trace.TraceOptions;
import io.scorpio.experiments.trace.TraceReader;
import io.scorpio.experiments.trace.TraceReplay;
import io.scorpio.experiments.workload.WorkloadRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --trace: the live client gets the experiments' replay of the same trace, with max_tokens forced to the output. */
class LiveWorkloadsTraceTest {

    @Test
    void aTraceIsSelectedAsTheExperimentsSelectItWithMaxTokensForced(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mine.jsonl");
        Files.writeString(file, """
                {"timestamp": 1000, "input_length": 300, "output_length": 20}
                {"timestamp": 2500, "input_length": 5000, "output_length": 3000}
                {"timestamp": 4000, "input_length": 12, "output_length": 7}
                """);
        TraceOptions o = TraceOptions.parse(Map.of("speed", "2"));
        List<WorkloadRequest> live = LiveWorkloads.fromTrace(file, o, 42).requests();
        List<WorkloadRequest> virtual = TraceReplay.select(TraceReader.read(file), o, 42).requests();
        assertEquals(virtual.stream().map(LiveWorkloads::forced).toList(), live);
        assertEquals(List.of(0.0, 750.0, 1500.0), live.stream().map(WorkloadRequest::arrivalMs).toList());
        assertEquals(List.of(20, 3000, 7), live.stream().map(WorkloadRequest::maxTokens).toList());

        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "timestamp,input_length,output_length\n0,10,x\n");
        assertThrows(TraceException.class, () -> LiveWorkloads.fromTrace(bad, TraceOptions.defaults(), 1));
    }
}
