package io.scorpio.predictor.training;

import io.scorpio.model.LengthSample;

import java.util.List;

/** One split with its head features computed by the encoder. */
public record EncodedSplit(List<LengthSample> samples, float[][] features) {

    public static EncodedSplit of(List<LengthSample> samples, MiniLmEncoder encoder) {
        float[][] features = new float[samples.size()][];
        for (int i = 0; i < samples.size(); i++) {
            features[i] = HeadFeatures.of(encoder.encode(samples.get(i).promptText()));
        }
        return new EncodedSplit(samples, features);
    }

    public int[] outputLengths() {
        return samples.stream().mapToInt(LengthSample::outputTokens).toArray();
    }

    public int[] promptTokens() {
        return samples.stream().mapToInt(LengthSample::promptTokens).toArray();
    }

    public List<String> prompts() {
        return samples.stream().map(LengthSample::promptText).toList();
    }

    public int[] predictBins(HeadTrainer.TrainedHead head) {
        int[] bins = new int[features.length];
        for (int i = 0; i < features.length; i++) {
            bins[i] = head.predictBin(features[i]);
        }
        return bins;
    }
}
