package io.scorpio.predictor.tools;

import io.scorpio.model.DataFiles;
import io.scorpio.predictor.data.LengthCorpus;
import io.scorpio.predictor.training.FeatureCache;
import io.scorpio.predictor.training.MiniLmEncoder;

import java.nio.file.Path;

/** Encodes the whole corpus once into the feature cache of the shipped encoder variant (target/features/). */
public final class EncodeCorpus {
    /** The encoder build the shipped model uses (and CompareHeads compares heads on). */
    public static final MiniLmEncoder.Variant VARIANT = MiniLmEncoder.Variant.INT8;

    public static Path cache(MiniLmEncoder.Variant variant) {
        return Path.of("target/features/minilm-l6-" + variant.name().toLowerCase() + ".bin");
    }

    /** The features of every corpus row under the shipped encoder variant, encoded on first use. */
    public static MiniLmEncoder.Encoded[] features(java.util.List<LengthCorpus.Row> rows) throws java.io.IOException {
        return FeatureCache.load(rows, cache(VARIANT), VARIANT);
    }

    public static void main(String[] args) throws Exception {
        features(LengthCorpus.load(DataFiles.resolve()));
    }
}
