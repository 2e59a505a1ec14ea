package io.scorpio.server.config;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.GuardOptions;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;

/**
 * What the guard runs: the scheduling policy on each of its engines, the scheduler's limits, the beyond-the-paper
 * options, how it places requests on engines, and the step-time and prefill-time models it starts from.
 *
 * @param policy     the policy the guard actually runs (see {@link #effective}): over vLLM's stock API credits are off
 * @param placement  {@code slo-aware} (most TTFT/TPOT headroom) or {@code least-loaded}
 * @param idlePollMs how often an idle engine with waiting requests re-runs its scheduler
 */
public record GuardSettings(Policy policy, int engines, SchedulerConfig scheduler, GuardOptions options, String placement,
                            boolean migration, StepTimeModel stepModel, PrefillTimeModel prefillModel, long idlePollMs) {

    public GuardSettings {
        if (engines < 1 || engines > 64) {
            throw new IllegalArgumentException("engines must be in [1, 64], got " + engines);
        }
    }

    static GuardSettings from(ServerConfig c, boolean requestLevelWorker) {
        SchedulerConfig sc = new SchedulerConfig(c.getDouble("scheduler.gamma"), SchedulerConfig.PAPER.admissionHeadroom(),
                c.getDouble("scheduler.rejection-margin-ms"), c.getInt("scheduler.max-num-batched-tokens"),
                c.getInt("scheduler.max-num-seqs"), c.getInt("scheduler.kv-blocks"), c.getInt("scheduler.block-size"),
                SchedulerConfig.PAPER.watermark(), c.getDouble("scheduler.starvation-limit-ms"));
        GuardOptions options = new GuardOptions(c.getBoolean("guard.low-load-fallback"), GuardOptions.NONE.lightLoad(),
                GuardOptions.NONE.heavyLoad(), c.getBoolean("guard.best-effort"), c.getBoolean("guard.prefill-aware-credits"),
                c.getBoolean("guard.prefill-aware-admission"));
        return new GuardSettings(effective(Policy.named(c.get("policy").trim()), requestLevelWorker), c.getInt("engines"), sc,
                options, Keys.oneOf(c, "guard.placement", "slo-aware", "least-loaded"), c.getBoolean("guard.migration"),
                new StepTimeModel(c.getDouble("model.step.a"), c.getDouble("model.step.b"), c.getDouble("model.step.c"),
                        c.getDouble("model.step.d")),
                new PrefillTimeModel(c.getInt("model.prefill.theta"), c.getDouble("model.prefill.c"),
                        c.getDouble("model.prefill.alpha"), c.getDouble("model.prefill.beta")),
                Keys.positive(c, "engine.idle-poll-ms"));
    }

    /**
     * The policy the guard actually runs: over vLLM's stock API (request-level control) a step cannot leave a running
     * sequence out, so credit-based batching is switched off there; LDF, rejection and admission still apply.
     */
    static Policy effective(Policy policy, boolean requestLevelWorker) {
        return requestLevelWorker ? policy.withoutCredits() : policy;
    }
}
