package io.scorpio.core.cluster;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.Scheduler;

/**
 * What another node needs to know of an engine to place a request on it, copied out of the engine's
 * {@link Scheduler} at one instant: the same inputs {@link Placement#headroom} reads from the scheduler itself, so
 * that a request placed from a snapshot goes where a quote of the same state would have sent it. Also the figures
 * the cluster view shows (VBS, counts, KV usage, health). Pure data: no clock, no I/O.
 *
 * @param waitingTokens     prompt tokens of every waiting request (a new request's minimal TTFT queues behind them)
 * @param tailMinimalTtftMs the minimal TTFT of the request at the queue's tail: what a new request would wait, at least
 * @param admitted          requests in the admitted set
 * @param waiting           requests in the waiting queue
 * @param vbs               the virtual batch size
 * @param tMinMs            the tightest TPOT SLO in the admitted set; NaN when it is empty
 * @param inverseTpotSum    sum of 1 / TPOT SLO over the admitted set
 * @param lengthSum         sum of the admitted requests' current lengths
 * @param kvUsed            KV-cache blocks in use
 * @param kvTotal           KV-cache blocks in all
 * @param stepModel         the engine's fitted step-time model
 * @param prefillModel      the engine's fitted prefill-time model
 * @param usesPredictor     whether the policy uses the predicted output length
 * @param rejectionMarginMs the TTFT Guard's margin
 * @param healthy           whether the engine's worker is in service
 * @param draining          whether its node is shutting down (it takes nothing new)
 * @param version           increases with every snapshot of this engine (within one run of its node)
 */
public record EngineSnapshot(long waitingTokens, double tailMinimalTtftMs, int admitted, int waiting, double vbs,
                             double tMinMs, double inverseTpotSum, long lengthSum, int kvUsed, int kvTotal,
                             StepTimeModel stepModel, PrefillTimeModel prefillModel, boolean usesPredictor,
                             double rejectionMarginMs, boolean healthy, boolean draining, long version) {

    /** The scheduler's state now. */
    public static EngineSnapshot of(Scheduler s, boolean healthy, boolean draining, long version) {
        return new EngineSnapshot(s.waitingTokens(), s.minimalTtftMs(0), s.admittedCount(), s.waitingCount(),
                s.virtualBatchSize(), s.tMinMs(), s.inverseTpotSum(), s.admittedLengthSum(),
                s.totalKvBlocks() - s.freeKvBlocks(), s.totalKvBlocks(), s.stepModel(), s.prefillModel(),
                s.policy().usesPredictor(), s.config().rejectionMarginMs(), healthy, draining, version);
    }

    /** Whether placement may choose this engine for a new request. */
    public boolean inService() {
        return healthy && !draining;
    }

    /** {@link Scheduler#minimalTtftMs}, from the snapshot: the prefill of everything waiting and the new prompt. */
    public double minimalTtftMs(int promptTokens) {
        return prefillModel.prefillMs(waitingTokens + (long) promptTokens);
    }

    /**
     * {@link Scheduler#predictedTpotMs}, from the snapshot: the step time of the admitted set with the request added,
     * the same arithmetic in the same order (TpotGuard.predictedStepMs), so that both give the same double.
     */
    public double predictedTpotMs(RequestSpec spec) {
        double tpot = spec.slo().tpotMs();
        double tMin = admitted == 0 ? tpot : Math.min(tMinMs, tpot);
        double batch = tMin * (inverseTpotSum + 1.0 / tpot);
        double meanLength = (lengthSum + (double) spec.promptTokens()) / (admitted + 1);
        int output = usesPredictor && spec.hasPrediction() ? spec.predictedOutputTokens() : spec.maxTokens();
        return stepModel.predictTpotMs(batch, meanLength, output);
    }
}
