package io.scorpio.predictor.data;

import io.scorpio.model.DataFiles;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CastilloDatasetTest {

    @Test
    void loadsThePromptsTheirSamplesAndTheAuthorsSplit() {
        List<CastilloDataset.Prompt> prompts = CastilloDataset.load(DataFiles.resolve());
        assertEquals(4707, prompts.size());
        assertEquals(1795, prompts.stream().filter(CastilloDataset.Prompt::chat).count());
        assertTrue(prompts.stream().allMatch(p -> p.outputLengths().length == 10 && !p.text().isBlank()));
        long runaway = prompts.stream().flatMapToInt(p -> java.util.Arrays.stream(p.outputLengths()))
                .filter(n -> n >= CastilloDataset.RUNAWAY).count();
        assertEquals(175, runaway);
        assertTrue(prompts.stream().filter(CastilloDataset.Prompt::chat).noneMatch(p -> p.split().equals("train")),
                "the chat sources have validate and test only");
    }

    @Test
    void theCorpusKeepsTestRowsApartAndAddsArenaHard() {
        List<LengthCorpus.Row> rows = LengthCorpus.load(DataFiles.resolve());
        assertEquals(4707 + 499, rows.size());
        assertEquals(100, rows.stream().filter(r -> r.isTest() && r.group() == LengthCorpus.Group.ARENA).count());
        assertEquals(598, rows.stream().filter(r -> r.isTest() && r.group() == LengthCorpus.Group.CHAT).count());
    }
}
