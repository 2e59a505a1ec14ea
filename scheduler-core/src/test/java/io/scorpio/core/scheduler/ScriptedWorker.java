package io.scorpio.core.scheduler;

import io.scorpio.core.engine.StepWorker;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A deterministic worker for tests: steps take exactly what the given models say, and a sequence stops
 * when it has produced its scripted true output length.
 */
final class ScriptedWorker implements StepWorker {

    private final StepTimeModel decode;
    private final PrefillTimeModel prefill;
    private final Map<String, Integer> trueOutput;

    ScriptedWorker(StepTimeModel decode, PrefillTimeModel prefill, Map<String, Integer> trueOutput) {
        this.decode = decode;
        this.prefill = prefill;
        this.trueOutput = trueOutput;
    }

    @Override
    public StepResult run(StepPlan step) {
        Set<String> stopped = new HashSet<>();
        for (RequestState r : step.batch()) {
            // this step's token is number generatedTokens + 1
            if (r.generatedTokens() + 1 >= trueOutput.getOrDefault(r.id(), Integer.MAX_VALUE)) {
                stopped.add(r.id());
            }
        }
        double ms = 0;
        if (step instanceof StepPlan.Prefill p) {
            ms = prefill.prefillMs(p.tokens());
        } else if (step instanceof StepPlan.Decode d) {
            ms = decode.stepMs(d.batch().size(), d.meanLength());
        }
        return new StepResult(ms, stopped);
    }
}
