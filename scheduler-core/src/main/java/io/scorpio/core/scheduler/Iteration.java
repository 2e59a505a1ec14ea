package io.scorpio.core.scheduler;

import java.util.List;

/**
 * The result of one scheduler iteration: the step to run, and what the guard decided on the way.
 *
 * @param step the prefill or decode step to run, or idle
 * @param rejections requests rejected in this iteration; each must get a clear error, never silence
 * @param preempted running requests sent back to the waiting queue for recompute to free KV blocks
 * @param demoted requests whose TTFT was found unattainable and that now wait at low priority instead of being
 *     rejected ({@code GuardOptions.bestEffort}); empty under the paper's policies
 */
public record Iteration(StepPlan step, List<Rejection> rejections, List<RequestState> preempted,
                        List<RequestState> demoted) {
    public Iteration {
        rejections = List.copyOf(rejections);
        preempted = List.copyOf(preempted);
        demoted = List.copyOf(demoted);
    }
}
