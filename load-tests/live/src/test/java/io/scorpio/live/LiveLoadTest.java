package io.scorpio.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.experiments.runner.Workloads;
import io.scorpio.model.DataFiles;
import io.scorpio.standin.AnswerLengths;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LiveLoad's real-prompt options: the answer-lengths file a stand-in replays, and what it refuses. */
class LiveLoadTest {

    @Test
    void writesTheAnswerLengthsOfEveryPromptOfTheWorkload(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("arena-hard-answers.txt");
        LiveLoad.main(new String[] {"--workload", "arena-hard", "--write-answer-lengths", file.toString()});
        Map<String, Integer> expected = LiveWorkloads.answerLengths(Workloads.ARENA_HARD, DataFiles.resolve());
        AnswerLengths read = AnswerLengths.read(file);
        assertEquals(expected.size(), read.size());
        expected.forEach((prompt, tokens) -> assertEquals(tokens, read.lookup(prompt).orElseThrow(), prompt));
    }

    @Test
    void refusesWhatHasNoPromptTextOrIsNoMode(@TempDir Path dir) {
        IllegalArgumentException noText = assertThrows(IllegalArgumentException.class, () -> LiveLoad.main(new String[] {
            "--workload", "sharegpt", "--write-answer-lengths", dir.resolve("x").toString()}));
        assertTrue(noText.getMessage().contains("no prompt text"), noText.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LiveLoad.main(new String[] {"--prompts", "real"}));
        assertThrows(IllegalArgumentException.class, () -> LiveLoad.main(new String[] {"--prompts", "text",
            "--trace", dir.resolve("t.csv").toString()}));
    }
}
