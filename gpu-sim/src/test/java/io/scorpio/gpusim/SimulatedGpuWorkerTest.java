package io.scorpio.gpusim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.core.engine.EngineListener;
import io.scorpio.core.engine.StepProfiler;
import io.scorpio.core.engine.Listeners;
import io.scorpio.core.engine.VirtualTimeEngine;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.Scheduler;
import io.scorpio.model.Slo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SimulatedGpuWorkerTest {

    private static final StepTimeModel GUESS = new StepTimeModel(2e-5, 0.1, 0.002, 10);
    private static final PrefillTimeModel GUESS_PREFILL = new PrefillTimeModel(100, 15, 0.06, 8);

    private record Run(List<String> transcript, double endMs, Map<String, Integer> tokens) {
    }

    private static Run run(long seed) {
        GpuProfile profile = GpuProfile.loadDefault();
        Random rnd = new Random(7);
        List<RequestSpec> specs = new ArrayList<>();
        Map<String, Integer> lengths = new HashMap<>();
        double t = 0;
        for (int i = 0; i < 120; i++) {
            t += -Math.log(1 - rnd.nextDouble()) * 100;
            String id = "r" + i;
            int output = 4 + rnd.nextInt(300);
            specs.add(new RequestSpec(id, t, 4 + rnd.nextInt(1000), 1024, new Slo(2000, 50)));
            lengths.put(id, output);
        }
        SimulatedGpuWorker worker = new SimulatedGpuWorker(new StepTimeSampler(new GroundTruthStepTime(profile), seed),
                id -> lengths.getOrDefault(id, SimulatedGpuWorker.UNKNOWN_LENGTH));
        List<String> transcript = new ArrayList<>();
        Map<String, Integer> tokens = new HashMap<>();
        EngineListener recorder = new EngineListener() {
            @Override
            public void finished(RequestState r, double nowMs) {
                transcript.add(r.id() + "@" + nowMs);
                tokens.put(r.id(), r.generatedTokens());
            }
        };
        Scheduler s = new Scheduler(Policy.VLLM, SchedulerConfig.PAPER, GUESS, GUESS_PREFILL);
        var stats = new VirtualTimeEngine(s, worker, recorder).run(specs);
        return new Run(transcript, stats.endMs(), tokens);
    }

    @Test
    void sequencesStopAtTheirTrueLength() {
        Run r = run(1);
        assertEquals(120, r.tokens().size());
        r.tokens().forEach((id, n) -> assertTrue(n >= 4 && n <= 303, id + " generated " + n));
    }

    @Test
    void aFixedSeedGivesTheSameRunAndAnotherSeedADifferentOne() {
        assertEquals(run(1), run(1));
        assertTrue(run(1).endMs() != run(2).endMs());
    }

    @Test
    void stepTimesComeFromTheGroundTruthNotTheGuardsModel() {
        GpuProfile profile = GpuProfile.loadDefault().withNoiseSigma(0);
        GroundTruthStepTime truth = new GroundTruthStepTime(profile);
        SimulatedGpuWorker worker = SimulatedGpuWorker.untilMaxTokens(new StepTimeSampler(truth, 3));
        StepProfiler profiler = new StepProfiler();
        Scheduler s = new Scheduler(Policy.VLLM, SchedulerConfig.PAPER, GUESS, GUESS_PREFILL);
        List<RequestSpec> specs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            specs.add(new RequestSpec("r" + i, 0, 100, 20, new Slo(5000, 100)));
        }
        new VirtualTimeEngine(s, worker, Listeners.of(profiler)).run(specs);
        // One prefill of 8 x 100 tokens, then 19 decode steps of 8 sequences.
        assertEquals(1, profiler.prefillSamples().size());
        assertEquals(truth.prefillMs(new int[] {100, 100, 100, 100, 100, 100, 100, 100}),
                profiler.prefillSamples().get(0).stepMs(), 1e-9);
        assertEquals(19, profiler.decodeSamples().size());
        assertEquals(truth.decodeMsUniform(8, 101), profiler.decodeSamples().get(0).stepMs(), 1e-9);
    }
}
