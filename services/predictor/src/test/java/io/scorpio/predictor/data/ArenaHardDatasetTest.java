package io.scorpio.predictor.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArenaHardDatasetTest {

    @Test
    void loadsThePairsAndMarksCensoredAnswers() {
        List<LengthSample> samples = ArenaHardDataset.load();
        assertEquals(499, samples.size());
        assertEquals(36, samples.stream().filter(LengthSample::censored).count());
        assertTrue(samples.stream().allMatch(s -> !s.prompt().isBlank() && s.outputTokens() > 0));
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
        a.train().forEach(s -> ids.add(s.id()));
        a.validation().forEach(s -> ids.add(s.id()));
        a.test().forEach(s -> ids.add(s.id()));
        assertEquals(499, ids.size());
    }
}
