package io.scorpio.server.engine;

import io.scorpio.core.engine.StepWorker;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;

/**
 * A stand-in simulated worker whose step times are exactly the core's own fitted models: a decode step of B
 * sequences with mean length L takes {@code step(B, L)}, a prefill of n tokens takes {@code T_prefill(n)}.
 * No noise: runs under the name {@code model-sim}, for tests of the service that want step times to be exactly
 * what the guard predicts. Because its times match the scheduler's models by construction, it flatters the
 * policy; the default worker is the calibrated simulator {@code llama-3.1-8b-a100}. Coefficients come from the
 * configuration keys {@code model.step.*} and {@code model.prefill.*}. Every sequence stops at its
 * {@code max_tokens}.
 */
public final class ModelStepWorker implements StepWorker {

    private final StepTimeModel step;
    private final PrefillTimeModel prefill;

    public ModelStepWorker(StepTimeModel step, PrefillTimeModel prefill) {
        this.step = step;
        this.prefill = prefill;
    }

    @Override
    public StepResult run(StepPlan plan) {
        // Java 17: no pattern switch yet; the plan is sealed, so these are all the cases.
        if (plan instanceof StepPlan.Prefill p) {
            return StepResult.of(Math.max(0.1, prefill.prefillMs(p.tokens())));
        }
        if (plan instanceof StepPlan.Decode d) {
            return StepResult.of(Math.max(0.1, step.stepMs(d.batch().size(), d.meanLength())));
        }
        if (plan instanceof StepPlan.Mixed m) { // chunked prefill: the decodes plus the chunks at the prefill slope
            double decodes = m.decodes().isEmpty() ? 0 : step.stepMs(m.decodes().size(), m.meanLength());
            return StepResult.of(Math.max(0.1, decodes + prefill.prefillMs(m.chunkTokens())));
        }
        return StepResult.of(0);
    }
}
