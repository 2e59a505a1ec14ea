package io.scorpio.predictor.data;

import io.scorpio.model.LengthSample;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArenaHardDatasetTest {

    @Test
    void loadsThePairsAndMarksCensoredAnswers() {
        List<LengthSample> samples = ArenaHardDataset.load();
        assertEquals(499, samples.size());
        assertEquals(36, samples.stream().filter(LengthSample::censored).count());
        assertTrue(samples.stream().allMatch(s -> !s.promptText().isBlank() && s.outputTokens() > 0));
    }

    @Test
    void censoredMeansTheGeneratorStoppedAtItsCapNotALongRetokenisedCount() {
        Map<String, LengthSample> byId = ArenaHardDataset.load().stream()
                .collect(Collectors.toMap(LengthSample::sourceId, s -> s));
        // generated 4,096 tokens (the cap) that re-tokenise to 3,228: cut off, so censored
        LengthSample capped = byId.get("7df9c568ef274e23abfab5eee3872d8e");
        assertEquals(3228, capped.outputTokens());
        assertTrue(capped.censored());
        // finished at 4,094 tokens, two short of the cap: a complete answer
        LengthSample finished = byId.get("90d715f701f844fd9a5032e5674cbf7a");
        assertEquals(4094, finished.outputTokens());
        assertFalse(finished.censored());
    }

    @Test
    void keepsQuestionFileOrder() {
        List<LengthSample> samples = ArenaHardDataset.load();
        assertEquals("328c149ed45a41c0b9d6f14659e63599", samples.get(0).sourceId());
    }

    @Test
    void theSplitIsFixedAndDisjoint() {
        List<LengthSample> samples = ArenaHardDataset.load();
        DatasetSplit a = DatasetSplit.of(samples, DatasetSplit.DEFAULT_SEED);
        List<LengthSample> reversed = new ArrayList<>(samples);
        Collections.reverse(reversed);
        DatasetSplit b = DatasetSplit.of(reversed, DatasetSplit.DEFAULT_SEED);
        assertEquals(a, b, "the split depends on the data and the seed only");
        assertEquals(299, a.train().size());
        assertEquals(100, a.validation().size());
        assertEquals(100, a.test().size());
        Set<String> ids = new HashSet<>();
        a.train().forEach(s -> ids.add(s.sourceId()));
        a.validation().forEach(s -> ids.add(s.sourceId()));
        a.test().forEach(s -> ids.add(s.sourceId()));
        assertEquals(499, ids.size());
    }
}
