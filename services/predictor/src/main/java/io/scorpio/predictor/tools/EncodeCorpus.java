package io.scorpio.predictor.tools;

import io.scorpio.model.DataFiles;
import io.scorpio.predictor.data.LengthCorpus;
import io.scorpio.predictor.training.FeatureCache;

import java.nio.file.Path;

/** Encodes the whole corpus once into the feature cache (target/features/minilm-l6.bin). */
public final class EncodeCorpus {
    public static final Path CACHE = Path.of("target/features/minilm-l6.bin");

    public static void main(String[] args) throws Exception {
        var rows = LengthCorpus.load(DataFiles.resolve());
        FeatureCache.load(rows, CACHE);
    }
}
