package io.scorpio.experiments.workload;

import io.scorpio.predictor.data.CastilloDataset;
import io.scorpio.model.LengthSample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.DataFiles;
import io.scorpio.predictor.data.ArenaHardDataset;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loaders on the real bundled data: row counts before and after the paper's filter, known rows. */
class DatasetLoadersTest {

    private final DataFiles data = DataFiles.resolve();

    @Test
    void shareGptHas30731RowsOfWhich11035PassThePaperFilter() {
        List<LengthSample> all = ShareGptLengths.load(data);
        assertEquals(30_731, all.size());
        assertEquals(new LengthSample("sharegpt-1", 74, 918, null, false), all.get(0));
        assertEquals(2285, all.get(all.size() - 1).promptTokens());

        List<LengthSample> kept = ShareGptLengths.loadPaperFiltered(data);
        assertEquals(11_035, kept.size());
        assertEquals(all.get(0), kept.get(0), "the first row (74 + 918 tokens) passes the filter");
        assertTrue(kept.stream().allMatch(s -> s.promptTokens() >= 4 && s.outputTokens() >= 4
                && s.promptTokens() <= 1024 && s.promptTokens() + s.outputTokens() <= 2048));
    }

    @Test
    void arenaHardJoinsPromptTextWithLlama3CountsAndFlagsCappedAnswers() {
        List<LengthSample> all = ArenaHardDataset.load(data);
        assertEquals(499, all.size(), "500 questions, one without a Llama-3.1-8B answer");
        LengthSample first = all.get(0);
        assertEquals("328c149ed45a41c0b9d6f14659e63599", first.sourceId());
        assertEquals(15, first.promptTokens());
        assertEquals(313, first.outputTokens());
        assertEquals("Use ABC notation to write a melody in the style of a folk tune.", first.promptText());
        assertFalse(first.censored());
        assertEquals(36, all.stream().filter(LengthSample::censored).count(),
                "36 answers hit the 4,096-token cap (by the generation-time count)");
        assertTrue(all.stream().allMatch(s -> s.text().isPresent()));
    }

    @Test
    void castilloChatTestHasTheTestSplitsChatPromptsWithText() {
        List<LengthSample> all = CastilloDataset.chatTestRequests(DataFiles.resolve());
        assertEquals(598, all.size());
        // File order, each request the prompt's first sampled answer (figures read from the bundled JSON Lines file).
        assertEquals(new LengthSample("castillo-f1982d7c7b424be4", 43, 706, all.get(0).promptText(), false), all.get(0));
        assertEquals("castillo-02e5e6765a71fbf3", all.get(all.size() - 1).sourceId());
        assertEquals(272_859, all.stream().mapToInt(LengthSample::outputTokens).sum());
        assertEquals(2, all.stream().filter(LengthSample::censored).count());
        assertTrue(all.stream().allMatch(s -> s.promptText() != null && !s.promptText().isBlank() && s.outputTokens() > 0));
        assertTrue(all.stream().allMatch(s -> s.censored() == (s.outputTokens() >= CastilloDataset.RUNAWAY)));
        assertFalse(LengthFilter.PAPER.apply(all).isEmpty());
    }

    @Test
    void azureTimestampsWithSevenFractionalDigitsAreTruncatedToMicroseconds() {
        assertEquals(LocalDateTime.of(2023, 11, 16, 18, 15, 46, 680_590_000),
                AzureTrace.parseTimestamp("2023-11-16 18:15:46.6805900"));
        assertEquals(LocalDateTime.of(2023, 11, 16, 19, 14, 8, 402_527_000),
                AzureTrace.parseTimestamp("2023-11-16 19:14:08.4025279"));
    }

    @Test
    void azureConversationTraceFirst20Minutes() {
        List<AzureTrace.Row> all = AzureTrace.load(data, AzureTrace.Service.CONVERSATION);
        assertEquals(19_366, all.size());
        assertEquals(new AzureTrace.Row(1, 0.0, 374, 44), all.get(0));
        assertEquals(4314.579, all.get(1).arrivalMs(), 1e-6);
        AzureTrace.Row last = all.get(all.size() - 1); // the file has no trailing newline
        assertEquals(197, last.promptTokens());
        assertEquals(183, last.outputTokens());
        assertEquals(3_501_721.937, last.arrivalMs(), 1e-6);

        List<AzureTrace.Row> first20 = AzureTrace.firstMinutes(all, 20);
        assertEquals(5_985, first20.size());
        var requests = WorkloadGenerator.paperDefaults().replay(first20, LengthFilter.PAPER, 1);
        assertEquals(2_692, requests.size(), "the paper's length filter keeps 2,692 of them");
        assertEquals(0.0, requests.get(0).arrivalMs());
    }

    @Test
    void azureCodeTrace() {
        List<AzureTrace.Row> all = AzureTrace.load(data, AzureTrace.Service.CODE);
        assertEquals(8_819, all.size());
        assertEquals(new AzureTrace.Row(1, 0.0, 4808, 10), all.get(0));
        assertEquals(52.0, all.get(1).arrivalMs(), 1e-6);
        assertEquals(549, all.get(all.size() - 1).promptTokens());
        List<AzureTrace.Row> first20 = AzureTrace.firstMinutes(all, 20);
        assertEquals(3_628, first20.size());
        var requests = WorkloadGenerator.paperDefaults().replay(first20, LengthFilter.PAPER, 1);
        assertEquals(1_394, requests.size());
        assertEquals(98.189, requests.get(0).arrivalMs(), 1e-6, "the first two rows have prompts over 1,024");
    }
}
