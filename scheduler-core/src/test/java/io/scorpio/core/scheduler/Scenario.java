package io.scorpio.core.scheduler;

import io.scorpio.core.engine.EngineListener;
import io.scorpio.core.engine.VirtualTimeEngine;
import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.policy.GuardOptions;
import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.Slo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A small hand-workable scenario: requests with scripted true output lengths, run in virtual time, and a
 * transcript of what the scheduler did, one line per event, to compare with the schedule worked by hand.
 *
 * <p>Unless a test says otherwise: a prefill step takes 20 ms whatever its size (theta 1000, C 20 ms),
 * a decode step of B sequences takes {@code 8 + 2B} ms, and the models the guard uses are the same.
 */
final class Scenario {

    static final StepTimeModel DECODE = new StepTimeModel(0, 2, 0, 8);
    static final PrefillTimeModel PREFILL = new PrefillTimeModel(1000, 20, 0, 20);

    private final Policy policy;
    private SchedulerConfig config = SchedulerConfig.PAPER;
    private GuardOptions options = GuardOptions.NONE;
    private final List<RequestSpec> requests = new ArrayList<>();
    private final Map<String, Integer> trueOutput = new LinkedHashMap<>();

    Scenario(Policy policy) {
        this.policy = policy;
    }

    Scenario config(SchedulerConfig value) {
        this.config = value;
        return this;
    }

    Scenario options(GuardOptions value) {
        this.options = value;
        return this;
    }

    /** A request with prompt, true output (also its max_tokens), TTFT and TPOT SLOs, and no prediction. */
    Scenario request(String id, double arrivalMs, int prompt, int output, double ttftMs, double tpotMs) {
        return request(id, arrivalMs, prompt, output, ttftMs, tpotMs, RequestSpec.NO_PREDICTION);
    }

    Scenario request(String id, double arrivalMs, int prompt, int output, double ttftMs, double tpotMs,
                     int predicted) {
        requests.add(new RequestSpec(id, arrivalMs, prompt, output, new Slo(ttftMs, tpotMs), predicted));
        trueOutput.put(id, output);
        return this;
    }

    /** Runs to the end and returns the transcript. */
    List<String> run() {
        Scheduler scheduler = new Scheduler(policy, config, options, DECODE, PREFILL);
        List<String> lines = new ArrayList<>();
        EngineListener listener = new EngineListener() {
            @Override
            public void refused(SubmitResult.Refused refused, double nowMs) {
                lines.add(at(nowMs) + " refuse " + refused.spec().id() + " " + refused.reason());
            }

            @Override
            public void rejected(Rejection rejection, double nowMs) {
                lines.add(at(nowMs) + " reject " + rejection.request().id() + " " + rejection.reason());
            }

            @Override
            public void preempted(RequestState request, double nowMs) {
                lines.add(at(nowMs) + " preempt " + request.id());
            }

            @Override
            public void demoted(RequestState request, double nowMs) {
                lines.add(at(nowMs) + " demote " + request.id());
            }

            @Override
            public void stepCompleted(StepPlan step, StepResult result, double startMs) {
                String kind = step instanceof StepPlan.Prefill ? "prefill" : "decode";
                lines.add(at(startMs) + " " + kind + " " + ids(step.batch()));
            }

            @Override
            public void finished(RequestState request, double nowMs) {
                lines.add(at(nowMs) + " finish " + request.id());
            }
        };
        new VirtualTimeEngine(scheduler, new ScriptedWorker(DECODE, PREFILL, trueOutput), listener).run(requests);
        return lines;
    }

    private static String at(double ms) {
        return String.format("t=%.0f", ms);
    }

    private static String ids(List<RequestState> batch) {
        return batch.stream().map(RequestState::id).collect(Collectors.joining(" ", "[", "]"));
    }
}
