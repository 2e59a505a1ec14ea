package io.scorpio.core.engine;

import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;

/**
 * The worker abstraction of spec 5: runs one prefill or decode step for the batch the scheduler picked and
 * reports how long it took and which sequences stopped. A simulated GPU implements it in virtual time;
 * real workers run steps asynchronously behind the service and report the same {@link StepResult}.
 */
@FunctionalInterface
public interface StepWorker {

    StepResult run(StepPlan step);
}
