package io.scorpio.experiments.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.workload.AzureTrace;
import io.scorpio.experiments.workload.LengthFilter;
import io.scorpio.experiments.workload.WorkloadGenerator;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.DataFiles;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The options that turn a trace into a workload, and the Azure replay on the general reader. */
class TraceReplayTest {

    private static TraceReader.Trace burst() {
        return TraceReader.read(TraceReaderTest.trace("burstgpt.csv"));
    }

    @Test
    void windowSpeedAndMaxRequestsSelectAndRescale() {
        // Arrivals 0, 40, 113, 113.5 s; the 40 s row has 0 output tokens.
        var from1 = TraceReplay.select(burst(), TraceOptions.parse(Map.of("from", "1", "minutes", "1")), 1);
        assertEquals(2, from1.inWindow(), "113 s and 113.5 s fall in [60 s, 120 s)");
        assertEquals(List.of(53_000.0, 53_500.0), from1.requests().stream().map(WorkloadRequest::arrivalMs).toList(),
                "the window's start is time 0");
        var fast = TraceReplay.select(burst(), TraceOptions.parse(Map.of("speed", "2", "max-requests", "2")), 1);
        assertEquals(List.of(0.0, 56_500.0), fast.requests().stream().map(WorkloadRequest::arrivalMs).toList());
        var custom = TraceReplay.select(burst(), TraceOptions.parse(Map.of("max-prompt", "1000")), 1);
        assertEquals(List.of(472, 417), custom.requests().stream().map(WorkloadRequest::promptTokens).toList());
        assertEquals(List.of(0, 1), custom.requests().stream().map(WorkloadRequest::id).toList());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void sloMixDrawsOnlyClassesWithWeightAndIsSeeded(long seed) {
        TraceReader.Trace t = TraceReader.read(TraceReaderTest.trace("mooncake.jsonl"));
        var only6 = TraceReplay.select(t, TraceOptions.parse(Map.of("slo-mix", "0,0,0,0,0,1")), seed).requests();
        assertTrue(only6.stream().allMatch(r -> r.sloClass().equals("6")));
        var twoOf = TraceReplay.select(t, TraceOptions.parse(Map.of("slo-mix", "1,0,0,1,0,0")), seed).requests();
        assertTrue(twoOf.stream().allMatch(r -> r.sloClass().equals("1") || r.sloClass().equals("4")));
        assertEquals(TraceReplay.select(t, TraceOptions.defaults(), seed).requests(),
                TraceReplay.select(t, TraceOptions.defaults(), seed).requests());
        assertThrows(TraceException.class, () -> SloMix.parse("1,1"));
        assertThrows(TraceException.class, () -> SloMix.parse("0,0,0,0,0,0"));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 42})
    void azureReplayOnTheGeneralReaderEqualsTheOriginalAzureLoader(long seed) {
        DataFiles data = DataFiles.resolve();
        for (AzureTrace.Service s : AzureTrace.Service.values()) {
            List<WorkloadRequest> original = WorkloadGenerator.paperDefaults().replay(
                    AzureTrace.firstMinutes(AzureTrace.load(data, s), Workloads.AZURE_MINUTES), LengthFilter.PAPER,
                    seed);
            assertEquals(original, Workloads.azureReplay(data, s, seed), s.name());
        }
    }
}
