package io.scorpio.predictor.tools;

import io.scorpio.model.DataFiles;
import io.scorpio.predictor.LengthPredictor;
import io.scorpio.predictor.ModelCard;
import io.scorpio.predictor.ModelCatalog;
import io.scorpio.predictor.ModelFolder;
import io.scorpio.predictor.Prediction;
import io.scorpio.predictor.data.CastilloDataset;
import io.scorpio.predictor.data.LengthCorpus;
import io.scorpio.predictor.metrics.BinMetrics;
import io.scorpio.predictor.metrics.LengthMetrics;
import io.scorpio.predictor.training.FeatureCache;
import io.scorpio.predictor.training.HeadRecipe;
import io.scorpio.predictor.training.LabelChoice;
import io.scorpio.predictor.training.LengthHead;
import io.scorpio.predictor.training.MiniLmEncoder;
import io.scorpio.predictor.training.RegressionFeatures;
import io.scorpio.predictor.training.RegressionHeadGraph;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Trains the shipped model ({@link ModelCatalog#DEFAULT_MODEL}): the frozen all-MiniLM-L6-v2 encoder ({@link EncodeCorpus#VARIANT}, from its
 * Maven artifact) and a length head fitted with {@link #RECIPE} on every train + validate row (CASTILLO and
 * Arena-Hard), written as head.onnx and card.json. Then it opens the written folder with {@link LengthPredictor}, runs
 * the test split from text through ONNX Runtime, checks that it agrees with the Java head, and puts the test metrics
 * in the card. Run it with {@code mvn -B -q -pl predictor -am -Ptrain process-classes}.
 */
public final class TrainLengthHead {

    public static final String COMMAND = "mvn -B -q -pl predictor -am -Ptrain process-classes";
    /** Chosen by {@link CompareHeads} on train + validate (docs/predictor-selection.md). */
    public static final HeadRecipe RECIPE = HeadRecipe.mlpRanking(LabelChoice.MEDIAN, 32, 0.01, 0.03, 300, true, 4);

    public static void main(String[] args) throws Exception {
        Path out = args.length > 0 ? Path.of(args[0]) : ModelCatalog.modelsRoot().resolve(ModelCatalog.DEFAULT_MODEL);
        List<LengthCorpus.Row> rows = LengthCorpus.load(DataFiles.resolve());
        long t0 = System.nanoTime();
        MiniLmEncoder.Encoded[] encoded = EncodeCorpus.features(rows);
        double encodeSeconds = (System.nanoTime() - t0) / 1e9;
        float[][] x = new float[rows.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = RegressionFeatures.of(encoded[i]);
        }
        int[] development = IntStream.range(0, rows.size()).filter(i -> !rows.get(i).isTest()).toArray();
        int[] test = IntStream.range(0, rows.size()).filter(i -> rows.get(i).isTest()).toArray();
        t0 = System.nanoTime();
        LengthHead head = RECIPE.fit(rows, development, x);
        double fitSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s (%s) fitted on %d rows in %.1f s%n", RECIPE.name(), RECIPE.settings(), development.length, fitSeconds);

        String hiddenStateName;
        ModelCard.FileRef encoderRef;
        ModelCard.FileRef tokenizerRef;
        try (MiniLmEncoder encoder = new MiniLmEncoder(EncodeCorpus.VARIANT)) {
            hiddenStateName = encoder.hiddenStateName();
            encoderRef = encoder.onnxRef();
            tokenizerRef = encoder.tokenizerRef();
        }
        Files.createDirectories(out);
        byte[] headOnnx = RegressionHeadGraph.build(head, hiddenStateName);
        Files.write(out.resolve("head.onnx"), headOnnx);

        // The Java head's test metrics make a complete card; they are replaced below by the ONNX Runtime ones.
        int[] javaLengths = new int[test.length];
        for (int k = 0; k < test.length; k++) {
            javaLengths[k] = (int) Math.round(head.predictLength(x[test[k]]));
        }
        int[] truth = IntStream.of(test).map(i -> rows.get(i).label().length()).toArray();
        Map<String, BinMetrics> metrics = new LinkedHashMap<>();
        metrics.put("model", LengthMetrics.of(truth, javaLengths, Table5.BINNING).toBinMetrics());
        // Encoding is cached in target/features (FeatureCache); its one-time cost was measured when the cache was made.
        String timing = String.format("on 2 CPU cores shared with other work: encoding the %d prompts once took %s, "
                        + "fitting the head %.1f s", rows.size(),
                encodeSeconds > 10 ? String.format("%.0f s", encodeSeconds) : "98 s (int8 build; the fp32 build took 217 s)",
                fitSeconds);
        card(rows, development, test, encoderRef, tokenizerRef, ModelFolder.sha256(headOnnx), metrics, timing, "")
                .write(out.resolve(ModelCard.FILE_NAME));

        // Now the test split through the written folder, end to end in ONNX Runtime: text in, length out.
        int[] onnxLengths;
        try (LengthPredictor predictor = LengthPredictor.open(out)) {
            onnxLengths = predictor.predictBatch(IntStream.of(test).mapToObj(i -> rows.get(i).prompt()).toList())
                    .stream().mapToInt(Prediction::predictedLength).toArray();
        }
        int maxDifference = 0;
        for (int k = 0; k < test.length; k++) {
            maxDifference = Math.max(maxDifference, Math.abs(onnxLengths[k] - javaLengths[k]));
        }
        System.out.printf("ONNX Runtime pipeline vs Java head on %d test rows: largest difference %d tokens%n", test.length,
                maxDifference);
        Table5.Evaluation e = Table5.evaluate(rows, List.of(out));
        metrics.clear();
        metrics.put("model", LengthMetrics.of(truth, onnxLengths, Table5.BINNING).toBinMetrics());
        StringBuilder means = new StringBuilder();
        e.byGroup().forEach((group, byPredictor) -> byPredictor.forEach((name, m) -> {
            String key = (name.equals(ModelCatalog.DEFAULT_MODEL) || name.equals(out.getFileName().toString())
                    ? "model" : "baseline-" + name.replace(' ', '-')) + "-" + group.name().toLowerCase();
            metrics.put(key, m.toBinMetrics());
            means.append(String.format("%s: mean predicted %.0f vs true %.0f; ", key, m.meanPredicted(), m.meanTrue()));
        }));
        card(rows, development, test, encoderRef, tokenizerRef, ModelFolder.sha256(headOnnx), metrics, timing,
                means.toString()).write(out.resolve(ModelCard.FILE_NAME));
        metrics.forEach((k, v) -> System.out.printf("test %-40s %s%n", k, v));
        System.out.println(timing);
        System.out.println("wrote " + out.toAbsolutePath().normalize());
    }

    private static ModelCard card(List<LengthCorpus.Row> rows, int[] development, int[] test, ModelCard.FileRef encoderRef,
                                  ModelCard.FileRef tokenizerRef, String headSha, Map<String, BinMetrics> metrics,
                                  String timing, String means) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("train", (int) IntStream.of(development).filter(i -> rows.get(i).split().equals(LengthCorpus.TRAIN)).count());
        counts.put("validation", (int) IntStream.of(development).filter(i -> rows.get(i).split().equals(LengthCorpus.VALIDATE)).count());
        counts.put("test", test.length);
        long censoredDev = IntStream.of(development).filter(i -> rows.get(i).label().censored()).count();
        ModelCard.Training training = new ModelCard.Training(
                "predictor/src/main/resources/datasets/: CASTILLO (castillo-llama31-8b, 4,707 prompts with 10 "
                        + "sampled Llama-3.1-8B-Instruct answer lengths each; chat: Alpaca, Dolly, ShareGPT; code: DS1000, "
                        + "Mbpp, Apps, BigCodeBench) and Arena-Hard v0.1 (arena-hard-llama31-8b, 499 prompts with one "
                        + "Llama-3.1-8B-Instruct answer length each)",
                "Apache-2.0 (DanielFPerez/castillo_code; meltemi-ai/arena-hard-auto-english)",
                counts,
                "CASTILLO: the authors' train/validate/test split (Alpaca, Dolly, ShareGPT, Apps, BigCodeBench have "
                        + "validate and test only); Arena-Hard: 6:2:2 by id, shuffled with seed 20250529. The head is fitted "
                        + "on train + validate together; its recipe was chosen on an 80/20 cut of train + validate "
                        + "(CompareHeads, docs/predictor-selection.md); test was run once, for these metrics",
                "per prompt, the median of its sampled answer lengths; a sample at " + CastilloDataset.RUNAWAY
                        + "+ tokens ran away (censored, " + "the generation cap is 15,001) and ranks above every finished "
                        + "sample, so the median is exact unless half or more ran away; such medians, and Arena-Hard answers "
                        + "at the 4,096-token cap, are censored labels (" + censoredDev + " of " + development.length
                        + " training rows): the ranking loss skips pairs whose shorter side is censored and the calibration "
                        + "leaves them out. No cap bin or cap class exists",
                "frozen encoder; features: the sentence embedding (masked mean of the last hidden states, L2-normalised) "
                        + "and t, t^2 with t = ln(1 + MiniLM prompt tokens), standardised; head: " + RECIPE.name() + " ("
                        + RECIPE.settings() + "), " + scorerText() + " trained with SGD on random pairs, mapped to a "
                        + "length by least squares of ln(length) on the score" + (RECIPE.folds() >= 2 ? " (fitted on each "
                        + "row's score from the fold scorer that did not train on it; the head averages the "
                        + RECIPE.folds() + " fold scorers)" : "") + ", times the mean of exp(residual) (smearing, so "
                        + "the mean prediction estimates the mean length); predicted length clipped to [1, 8191]; "
                        + timing,
                COMMAND,
                "Metrics: the test split, scored per group (model-chat, model-code, model-arena) with 100 equal-width bins "
                        + "(w = 82) and RMSE of the predicted length in tokens; 'model' pools all test rows. Baselines fitted "
                        + "on train + validate. Censored test labels are scored at their cap value. " + means
                        + "Table 5: docs/predictor-table5.md");
        return new ModelCard(ModelCard.CONTRACT, ModelCatalog.DEFAULT_MODEL,
                "Output-length regressor: all-MiniLM-L6-v2 sentence encoder (" + (EncodeCorpus.VARIANT == MiniLmEncoder.Variant.INT8
                        ? "int8-quantized ONNX, run one prompt at a time" : "fp32 ONNX") + ", frozen, input truncated to "
                        + MiniLmEncoder.MAX_INPUT_TOKENS + " tokens) and " + (RECIPE.kind() == HeadRecipe.Kind.MLP_RANKING
                        ? "a head with one hidden layer (ReLU)" : "a linear head") + " trained with a pairwise ranking loss "
                        + "and calibrated to tokens, both run by ONNX Runtime; predicts the median answer length of "
                        + "Llama-3.1-8B-Instruct.",
                tokenizerRef, MiniLmEncoder.MAX_INPUT_TOKENS, MiniLmEncoder.PAD_TOKEN_ID,
                List.of(new ModelCard.Stage("encoder", encoderRef),
                        new ModelCard.Stage("head", ModelCard.FileRef.inFolder("head.onnx", headSha))),
                RegressionHeadGraph.OUTPUT, ModelCard.OUTPUT_LENGTH, EncodeCorpus.VARIANT.batchPrompts ? null : Boolean.FALSE,
                ModelCard.Binning.of(Table5.BINNING), training, metrics);
    }

    /** What the recipe's scorer is, in the card's words. */
    private static String scorerText() {
        return RECIPE.kind() == HeadRecipe.Kind.MLP_RANKING
                ? "a scorer with one hidden layer of " + RECIPE.hidden() + " ReLU units" + (RECIPE.folds() >= 2
                ? " per fold, cross-fitted over " + RECIPE.folds() + " folds of train + validate," : "")
                : "a linear score";
    }
}
