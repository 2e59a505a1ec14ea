package io.scorpio.core.engine;

import io.scorpio.core.model.DecodeSample;
import io.scorpio.core.model.MixedSample;
import io.scorpio.core.model.MixedStepModel;
import io.scorpio.core.model.PrefillSample;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the step times a worker reports, as the samples the step-time and prefill-time models are
 * fitted to (spec 2.2, 2.3): a decode step gives (B, mean current length, ms), a prefill (tokens, ms).
 */
public final class StepProfiler implements EngineListener {

    private final List<DecodeSample> decodes = new ArrayList<>();
    private final List<PrefillSample> prefills = new ArrayList<>();
    private final List<MixedSample> mixed = new ArrayList<>();

    @Override
    public void stepCompleted(StepPlan step, StepResult result, double startMs) {
        record(step, result.durationMs());
    }

    public void record(StepPlan step, double durationMs) {
        if (durationMs <= 0) {
            return;
        }
        if (step instanceof StepPlan.Decode d) {
            decodes.add(new DecodeSample(d.batch().size(), d.meanLength(), durationMs));
        } else if (step instanceof StepPlan.Prefill p) {
            prefills.add(new PrefillSample(p.tokens(), durationMs));
        } else if (step instanceof StepPlan.Mixed m) {
            double pairs = 0;
            for (StepPlan.PrefillChunk c : m.chunks()) {
                pairs += MixedStepModel.attentionPairs(c.prefix(), c.tokens());
            }
            mixed.add(new MixedSample(m.decodes().size(), m.meanLength(), m.chunkTokens(), pairs, durationMs));
        }
    }

    public List<DecodeSample> decodeSamples() {
        return List.copyOf(decodes);
    }

    public List<PrefillSample> prefillSamples() {
        return List.copyOf(prefills);
    }

    /** Mixed steps of the chunked-prefill engine (decodes with prompt chunks). */
    public List<MixedSample> mixedSamples() {
        return List.copyOf(mixed);
    }
}
