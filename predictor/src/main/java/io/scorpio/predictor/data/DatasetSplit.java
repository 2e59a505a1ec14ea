package io.scorpio.predictor.data;

import io.scorpio.model.LengthSample;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A fixed train/validation/test split in the paper's 6:2:2 proportions: the samples sorted by id, shuffled with a
 * fixed seed, then cut. The same data and seed always give the same split.
 */
public record DatasetSplit(List<LengthSample> train, List<LengthSample> validation, List<LengthSample> test) {

    public static final long DEFAULT_SEED = 20250529L;

    public static DatasetSplit of(List<LengthSample> samples, long seed) {
        List<LengthSample> shuffled = new ArrayList<>(samples);
        shuffled.sort(Comparator.comparing(LengthSample::sourceId));
        Collections.shuffle(shuffled, new Random(seed));
        int n = shuffled.size();
        int trainEnd = (int) Math.round(n * 0.6);
        int validationEnd = trainEnd + (int) Math.round(n * 0.2);
        return new DatasetSplit(List.copyOf(shuffled.subList(0, trainEnd)),
                List.copyOf(shuffled.subList(trainEnd, validationEnd)),
                List.copyOf(shuffled.subList(validationEnd, n)));
    }

    public static int[] outputLengths(List<LengthSample> samples) {
        return samples.stream().mapToInt(LengthSample::outputTokens).toArray();
    }
}
