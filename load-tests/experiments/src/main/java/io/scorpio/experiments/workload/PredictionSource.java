package io.scorpio.experiments.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Where a run's predicted output lengths come from. A closed set: the oracle (the true length), a noisy predictor
 * calibrated to a target quality ({@link NoisyPredictor}), or none (the scheduler then assumes max_tokens).
 */
public sealed interface PredictionSource {

    /** A name for reports. */
    String name();

    /** The same requests with {@link WorkloadRequest#predictedOutputTokens()} set by this source. */
    List<WorkloadRequest> apply(List<WorkloadRequest> requests);

    /** The predicted length is the true length, exactly. */
    record Oracle() implements PredictionSource {
        @Override
        public String name() {
            return "oracle";
        }

        @Override
        public List<WorkloadRequest> apply(List<WorkloadRequest> requests) {
            return requests.stream().map(r -> r.withPrediction(OptionalInt.of(r.outputTokens()))).toList();
        }
    }

    /** No prediction at all. */
    record None() implements PredictionSource {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public List<WorkloadRequest> apply(List<WorkloadRequest> requests) {
            return requests.stream().map(r -> r.withPrediction(OptionalInt.empty())).toList();
        }
    }

    /**
     * Predictions with the quality of a real binned classifier: calibrated on the workload itself to the target
     * Kendall tau and RMSE (by default the paper's Table 5 row), then applied.
     */
    record Noisy(NoisyPredictor predictor) implements PredictionSource {
        @Override
        public String name() {
            return "noisy(tau=" + predictor.targetTau() + ",rmse=" + predictor.targetRmse() + ")";
        }

        @Override
        public List<WorkloadRequest> apply(List<WorkloadRequest> requests) {
            int[] truth = requests.stream().mapToInt(WorkloadRequest::outputTokens).toArray();
            int[] predicted = predictor.calibrate(truth).predicted();
            List<WorkloadRequest> out = new ArrayList<>(requests.size());
            for (int i = 0; i < requests.size(); i++) {
                out.add(requests.get(i).withPrediction(OptionalInt.of(predicted[i])));
            }
            return List.copyOf(out);
        }
    }

    /**
     * The shipped ONNX length predictor of {@code predictor}, run on each request's prompt text and clamped
     * to the request's max_tokens; a request without text gets no prediction. Identical prompts are predicted once.
     */
    record Onnx(io.scorpio.predictor.LengthPredictor model) implements PredictionSource {
        @Override
        public String name() {
            return "onnx";
        }

        @Override
        public List<WorkloadRequest> apply(List<WorkloadRequest> requests) {
            java.util.Map<String, Integer> cache = new java.util.HashMap<>();
            List<String> texts = requests.stream().map(WorkloadRequest::promptText)
                    .filter(java.util.Objects::nonNull).distinct().toList();
            for (int from = 0; from < texts.size(); from += io.scorpio.predictor.LengthPredictor.MAX_BATCH) {
                List<String> batch = texts.subList(from,
                        Math.min(texts.size(), from + io.scorpio.predictor.LengthPredictor.MAX_BATCH));
                List<io.scorpio.predictor.Prediction> predicted = model.predictBatch(batch);
                for (int i = 0; i < batch.size(); i++) {
                    cache.put(batch.get(i), predicted.get(i).predictedLength());
                }
            }
            // Clamped to max_tokens, as the server's guard does: a request never writes more.
            return requests.stream().map(r -> r.withPrediction(r.promptText() == null ? OptionalInt.empty()
                    : OptionalInt.of(Math.min(cache.get(r.promptText()), r.maxTokens())))).toList();
        }
    }

    static PredictionSource oracle() {
        return new Oracle();
    }

    static PredictionSource none() {
        return new None();
    }

    /** The paper's predictor quality (tau 0.54, RMSE 196 tokens, 100 equal-width bins). */
    static PredictionSource paperNoisy(long seed) {
        return new Noisy(NoisyPredictor.paper(seed));
    }
}
