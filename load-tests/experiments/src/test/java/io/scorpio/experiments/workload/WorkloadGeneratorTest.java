package io.scorpio.experiments.workload;

import io.scorpio.model.LengthSample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.DataFiles;
import io.scorpio.model.SloClass;
import io.scorpio.predictor.data.ArenaHardDataset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WorkloadGeneratorTest {

    private static final List<LengthSample> SHAREGPT = ShareGptLengths.loadPaperFiltered(DataFiles.resolve());
    private final WorkloadGenerator gen = WorkloadGenerator.paperDefaults();

    @Test
    void theSameSeedGivesTheSameWorkload() {
        assertEquals(gen.poisson(SHAREGPT, 10, 512, 42), gen.poisson(SHAREGPT, 10, 512, 42));
        assertNotEquals(gen.poisson(SHAREGPT, 10, 512, 42), gen.poisson(SHAREGPT, 10, 512, 43));
    }

    @Test
    void changingTheQpsChangesOnlyTheArrivalTimes() {
        var at5 = gen.poisson(SHAREGPT, 5, 512, 7);
        var at15 = gen.poisson(SHAREGPT, 15, 512, 7);
        for (int i = 0; i < 512; i++) {
            assertEquals(at5.get(i).promptTokens(), at15.get(i).promptTokens());
            assertEquals(at5.get(i).outputTokens(), at15.get(i).outputTokens());
            assertEquals(at5.get(i).sloClass(), at15.get(i).sloClass());
            // the same exponential draws, scaled by 1/qps
            assertEquals(at5.get(i).arrivalMs() / 3, at15.get(i).arrivalMs(), 1e-6);
        }
    }

    @Test
    void arrivalsArePoissonAtTheRequestedRate() {
        // 20,000 arrivals at 10 req/s: the mean gap is 100 ms within 3% (about 4 standard errors), and the gaps
        // have the exponential's coefficient of variation 1 within 5%.
        var w = gen.poisson(SHAREGPT, 10, 20_000, 3);
        double[] gaps = new double[w.size()];
        double prev = 0;
        for (int i = 0; i < w.size(); i++) {
            gaps[i] = w.get(i).arrivalMs() - prev;
            prev = w.get(i).arrivalMs();
            assertTrue(gaps[i] >= 0, "arrivals are in order");
        }
        double mean = java.util.Arrays.stream(gaps).average().orElseThrow();
        double sd = Math.sqrt(java.util.Arrays.stream(gaps).map(g -> (g - mean) * (g - mean)).sum() / gaps.length);
        assertEquals(100.0, mean, 3.0);
        assertEquals(1.0, sd / mean, 0.05);
        double rate = w.size() / (w.get(w.size() - 1).arrivalMs() / 1000.0);
        assertEquals(10.0, rate, 0.3);
    }

    @Test
    void a512RequestRunDrawsDistinctSamplesFromThePool() {
        var w = gen.poisson(SHAREGPT, 10, 512, 11);
        assertEquals(512, w.size());
        for (int i = 0; i < w.size(); i++) {
            assertEquals(i, w.get(i).id());
        }
        // Drawn without replacement: the (prompt, output) pairs are as varied as the pool allows.
        long distinct = w.stream().map(r -> r.promptTokens() + "/" + r.outputTokens()).distinct().count();
        assertTrue(distinct > 500, "distinct pairs " + distinct);
    }

    @Test
    void sloClassesAreTheLlama31TableDrawnUniformly() {
        var w = gen.poisson(SHAREGPT, 10, 6_000, 5);
        Map<String, Long> byClass = w.stream().collect(Collectors.groupingBy(WorkloadRequest::sloClass,
                Collectors.counting()));
        assertEquals(6, byClass.size());
        byClass.values().forEach(c -> assertEquals(1000, c, 100, "each class about 1/6 of 6,000"));
        var names = new HashSet<String>();
        for (var r : w) {
            SloClass c = SloClass.LLAMA_3_1_8B.get(Integer.parseInt(r.sloClass()) - 1);
            assertEquals(c.slo(), r.slo());
            names.add(r.sloClass());
        }
        assertEquals(6, names.size());
    }

    @Test
    void withoutAPredictionTheSchedulerAssumesMaxTokens() {
        var r = gen.poisson(SHAREGPT, 10, 1, 1).get(0);
        assertTrue(r.predictedOutputTokens().isEmpty());
        assertEquals(WorkloadGenerator.DEFAULT_MAX_TOKENS, r.assumedOutputTokens());
        assertTrue(r.maxTokens() >= r.outputTokens());
    }

    @Test
    void arenaHardPromptsKeepTheirText() {
        var pool = ArenaHardDataset.load(DataFiles.resolve());
        var w = gen.poisson(pool, 5, 50, 9);
        assertTrue(w.stream().allMatch(r -> r.text().isPresent()));
        assertTrue(w.stream().allMatch(r -> r.maxTokens() >= r.outputTokens()), "max_tokens raised to long answers");
    }
}
