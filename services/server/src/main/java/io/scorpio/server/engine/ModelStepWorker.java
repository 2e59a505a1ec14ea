package io.scorpio.server.engine;

import io.scorpio.core.engine.StepWorker;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;

/**
 * A stand-in simulated worker whose step times are exactly the core's own fitted models: a decode step of B
 * sequences with mean length L takes {@code step(B, L)}, a prefill of n tokens takes {@code T_prefill(n)}.
 * No noise, no separate KV model: it exists so the service runs end to end before the calibrated GPU simulator
 * ({@code services/gpu-sim}, profile {@code llama-3.1-8b-a100}) is plugged in through {@link WorkerFactories}.
 * Because its times match the scheduler's models by construction, it flatters the policy; experiments should
 * use the calibrated simulator.
 *
 * <p>Default coefficients (configuration keys {@code model.step.*}, {@code model.prefill.*}): a=2.2e-5, b=0.11,
 * c=0.0021, d=9.4 ms; theta=150, C=14.5 ms, alpha=0.061 ms/token, beta=8.2 ms; roughly Llama-3.1-8B on an A100.
 * Every sequence stops at its {@code max_tokens}.
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
        return StepResult.of(0);
    }
}
