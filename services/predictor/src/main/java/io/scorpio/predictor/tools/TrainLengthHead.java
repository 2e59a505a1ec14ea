package io.scorpio.predictor.tools;

import io.scorpio.predictor.LengthPredictor;
import io.scorpio.predictor.ModelCard;
import io.scorpio.predictor.ModelCatalog;
import io.scorpio.predictor.ModelFolder;
import io.scorpio.predictor.Prediction;
import io.scorpio.predictor.binning.EqualWidthBinning;
import io.scorpio.predictor.binning.LengthBinning;
import io.scorpio.predictor.data.ArenaHardDataset;
import io.scorpio.model.DataFiles;
import io.scorpio.predictor.data.DatasetSplit;
import io.scorpio.predictor.data.LengthSample;
import io.scorpio.predictor.metrics.BinMetrics;
import io.scorpio.predictor.training.Baselines;
import io.scorpio.predictor.training.EncodedSplit;
import io.scorpio.predictor.training.HeadGraph;
import io.scorpio.predictor.training.HeadTrainer;
import io.scorpio.predictor.training.MiniLmEncoder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains the shipped model, {@code onnx-models/minilm-l6-length100}: all-MiniLM-L6-v2 (fp32 ONNX, from its Maven
 * artifact) with a 100-bin equal-width classification head trained on Arena-Hard prompts and Llama-3.1-8B answer
 * lengths, and writes head.onnx and card.json. Run it with
 * {@code mvn -B -q -pl services/predictor -am -Ptrain process-classes} (optionally {@code -Dtool.args=<folder>}).
 */
public final class TrainLengthHead {

    public static final String COMMAND = "mvn -B -q -pl services/predictor -am -Ptrain process-classes";
    static final int BINS = 100;

    public static void main(String[] args) throws Exception {
        Path out = args.length > 0 ? Path.of(args[0]) : ModelCatalog.modelsRoot().resolve(ModelCatalog.DEFAULT_MODEL);
        DataFiles data = DataFiles.resolve();
        List<LengthSample> samples = ArenaHardDataset.load(data);
        DatasetSplit split = DatasetSplit.of(samples, DatasetSplit.DEFAULT_SEED);
        LengthBinning binning = new EqualWidthBinning(BINS);
        System.out.printf("data %s: %d pairs (%d censored at the 4,096 cap); split %d/%d/%d%n", data, samples.size(),
                samples.stream().filter(LengthSample::censored).count(), split.train().size(),
                split.validation().size(), split.test().size());

        EncodedSplit train;
        EncodedSplit validation;
        EncodedSplit test;
        ModelCard.FileRef encoderRef;
        ModelCard.FileRef tokenizerRef;
        String hiddenStateName;
        long t0 = System.nanoTime();
        try (MiniLmEncoder encoder = new MiniLmEncoder()) {
            train = EncodedSplit.of(split.train(), encoder);
            validation = EncodedSplit.of(split.validation(), encoder);
            test = EncodedSplit.of(split.test(), encoder);
            encoderRef = encoder.onnxRef();
            tokenizerRef = encoder.tokenizerRef();
            hiddenStateName = encoder.hiddenStateName();
        }
        System.out.printf("encoded %d prompts in %.1f s%n", samples.size(), (System.nanoTime() - t0) / 1e9);

        HeadTrainer.TrainedHead head = HeadTrainer.train(train.features(), train.outputLengths(),
                validation.features(), validation.outputLengths(), binning);
        System.out.printf("head: learning rate %s, %d epochs chosen, validation %s%n", head.learningRate(), head.epochs(),
                head.validation());

        Files.createDirectories(out);
        byte[] headOnnx = HeadGraph.build(head, BINS, hiddenStateName);
        Files.write(out.resolve("head.onnx"), headOnnx);

        int[] testLengths = test.outputLengths();
        int[] tribuoBins = test.predictBins(head);
        Map<String, BinMetrics> metrics = new LinkedHashMap<>();
        metrics.put("model", BinMetrics.of(testLengths, tribuoBins, binning));
        metrics.put("baseline-training-median", BinMetrics.of(testLengths,
                Baselines.median(train.outputLengths(), testLengths.length, binning), binning));
        metrics.put("baseline-prompt-length-fit", BinMetrics.of(testLengths,
                Baselines.PromptLengthFit.fit(train.promptTokens(), train.outputLengths())
                        .predictBins(test.promptTokens(), binning), binning));
        ModelCard card = card(binning, encoderRef, tokenizerRef, ModelFolder.sha256(headOnnx), split, samples, head, metrics);
        card.write(out.resolve(ModelCard.FILE_NAME));

        // Now the same test split through the written folder, end to end in ONNX Runtime: text in, bin out.
        int agree = 0;
        int[] onnxBins = new int[testLengths.length];
        try (LengthPredictor predictor = LengthPredictor.open(out)) {
            List<Prediction> predictions = predictor.predictBatch(test.prompts());
            for (int i = 0; i < onnxBins.length; i++) {
                onnxBins[i] = predictions.get(i).bin();
                agree += onnxBins[i] == tribuoBins[i] ? 1 : 0;
            }
        }
        System.out.printf("ONNX Runtime pipeline agrees with Tribuo on %d/%d test rows%n", agree, onnxBins.length);
        metrics.put("model", BinMetrics.of(testLengths, onnxBins, binning));
        card = card(binning, encoderRef, tokenizerRef, ModelFolder.sha256(headOnnx), split, samples, head, metrics);
        card.write(out.resolve(ModelCard.FILE_NAME));
        metrics.forEach((k, v) -> System.out.printf("test %-28s %s%n", k, v));
        System.out.println("wrote " + out.toAbsolutePath().normalize());
    }

    private static Map<String, Integer> splitSizes(DatasetSplit split) {
        Map<String, Integer> rows = new LinkedHashMap<>();
        rows.put("train", split.train().size());
        rows.put("validation", split.validation().size());
        rows.put("test", split.test().size());
        return rows;
    }

    private static ModelCard card(LengthBinning binning, ModelCard.FileRef encoderRef, ModelCard.FileRef tokenizerRef,
                                  String headSha, DatasetSplit split, List<LengthSample> samples,
                                  HeadTrainer.TrainedHead head, Map<String, BinMetrics> metrics) {
        long censored = samples.stream().filter(LengthSample::censored).count();
        ModelCard.Training training = new ModelCard.Training(
                "services/predictor/src/main/resources/datasets/" + ArenaHardDataset.FOLDER + ": " + samples.size() + " Arena-Hard v0.1 prompts "
                        + "(question.jsonl) with the Llama-3 token counts of Llama-3.1-8B-Instruct's answers "
                        + "(lengths_llama3_tokenizer.jsonl, model llama-3.1-8b-instruct)",
                "Apache-2.0 (meltemi-ai/arena-hard-auto-english)",
                splitSizes(split),
                "6:2:2, samples sorted by id then shuffled with java.util.Random seed " + DatasetSplit.DEFAULT_SEED,
                "bin of the answer's Llama-3 token count; " + censored + " answers at >= "
                        + ArenaHardDataset.CENSOR_THRESHOLD + " tokens hit the 4,096-token generation cap (censored) "
                        + "and keep their observed length",
                "frozen encoder; head: " + HeadTrainer.describe() + "; chosen: learning rate " + head.learningRate() + ", " + head.epochs() + " epochs",
                COMMAND,
                "Small data: " + split.train().size() + " training rows for up to " + binning.bins() + " classes, so the "
                        + "head is weak; compare metrics.model with the baselines. Metrics are on the " + split.test().size()
                        + "-row test split (censored rows scored at their observed length).");
        return new ModelCard(ModelCard.CONTRACT, ModelCatalog.DEFAULT_MODEL,
                "Output-length classifier: all-MiniLM-L6-v2 sentence encoder (fp32 ONNX) (frozen, input truncated to "
                        + MiniLmEncoder.MAX_INPUT_TOKENS + " tokens) and a linear classification head over "
                        + binning.bins() + " equal-width length bins, both run by ONNX Runtime.",
                tokenizerRef, MiniLmEncoder.MAX_INPUT_TOKENS, MiniLmEncoder.PAD_TOKEN_ID,
                List.of(new ModelCard.Stage("encoder", encoderRef),
                        new ModelCard.Stage("head", ModelCard.FileRef.inFolder("head.onnx", headSha))),
                HeadGraph.OUTPUT, ModelCard.Binning.of(binning), training, metrics);
    }
}
