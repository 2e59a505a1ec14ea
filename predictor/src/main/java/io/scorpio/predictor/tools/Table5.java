package io.scorpio.predictor.tools;

import io.scorpio.model.DataFiles;
import io.scorpio.predictor.LengthPredictor;
import io.scorpio.predictor.ModelCatalog;
import io.scorpio.predictor.Prediction;
import io.scorpio.predictor.binning.EqualWidthBinning;
import io.scorpio.predictor.binning.LengthBinning;
import io.scorpio.predictor.data.LengthCorpus;
import io.scorpio.predictor.metrics.LengthMetrics;
import io.scorpio.predictor.training.Baselines;
import io.scorpio.predictor.training.MiniLmEncoder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Table 5 on the test split: CASTILLO test prompts (chat and code separately) and the fixed Arena-Hard test subset,
 * each model folder run from text through ONNX Runtime, against two baselines fitted on train + validate: the constant
 * median label and least squares of length on ln(1 + prompt tokens). Writes docs/predictor-table5.md. Run with
 * {@code mvn -B -q -pl predictor -am -Ptable5 process-classes} (optionally
 * {@code -Dtool.args="<model folder> [more folders]"}; the first is the shipped model).
 */
public final class Table5 {

    public static final String COMMAND = "mvn -B -q -pl predictor -am -Ptable5 process-classes";
    public static final LengthBinning BINNING = new EqualWidthBinning(100);
    public static final String CONSTANT = "constant median";
    public static final String PROMPT_LENGTH = "prompt-length fit";

    /** Metrics by group, then by predictor (model names first, then the two baselines). */
    public record Evaluation(Map<LengthCorpus.Group, Map<String, LengthMetrics>> byGroup,
                             Map<LengthCorpus.Group, Map<String, LengthMetrics>> uncensoredByGroup, int constant,
                             Baselines.PromptLengthFit promptLengthFit, Map<String, int[]> testPredictions) {
    }

    public static void main(String[] args) throws Exception {
        List<Path> models = new ArrayList<>();
        for (String a : args) {
            models.add(Path.of(a));
        }
        if (models.isEmpty()) {
            models.add(ModelCatalog.defaultModelDir());
        }
        List<LengthCorpus.Row> rows = LengthCorpus.load(DataFiles.resolve());
        long t0 = System.nanoTime();
        Evaluation e = evaluate(rows, models);
        System.out.printf("evaluated in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        String md = markdown(rows, models, e);
        Path out = Path.of("../docs/predictor-table5.md");
        Files.writeString(out, md);
        System.out.print(md);
    }

    /** Runs every model folder on the test rows and scores it, with the baselines, per group. */
    public static Evaluation evaluate(List<LengthCorpus.Row> rows, List<Path> models) {
        List<LengthCorpus.Row> development = LengthCorpus.where(rows, r -> !r.isTest());
        List<LengthCorpus.Row> test = LengthCorpus.where(rows, LengthCorpus.Row::isTest);
        int[] devLabels = development.stream().mapToInt(r -> r.label().length()).toArray();
        int[] sorted = devLabels.clone();
        Arrays.sort(sorted);
        int constant = sorted[sorted.length / 2];
        int[] devTokens;
        int[] testTokens;
        try (MiniLmEncoder encoder = new MiniLmEncoder()) {
            devTokens = development.stream().mapToInt(r -> encoder.promptTokens(r.prompt())).toArray();
            testTokens = test.stream().mapToInt(r -> encoder.promptTokens(r.prompt())).toArray();
        }
        Baselines.PromptLengthFit fit = Baselines.PromptLengthFit.fit(devTokens, devLabels);

        Map<String, int[]> predictions = new LinkedHashMap<>();
        for (Path dir : models) {
            try (LengthPredictor predictor = LengthPredictor.open(dir)) {
                List<Prediction> p = predictor.predictBatch(test.stream().map(LengthCorpus.Row::prompt).toList());
                predictions.put(predictor.card().name(), p.stream().mapToInt(Prediction::predictedLength).toArray());
            }
        }
        predictions.put(CONSTANT, test.stream().mapToInt(r -> constant).toArray());
        predictions.put(PROMPT_LENGTH, Arrays.stream(testTokens)
                .map(t -> LengthBinning.clamp(Math.max(1, fit.predictLength(t)))).toArray());

        return new Evaluation(score(test, predictions, false), score(test, predictions, true), constant, fit, predictions);
    }

    private static Map<LengthCorpus.Group, Map<String, LengthMetrics>> score(List<LengthCorpus.Row> test,
                                                                            Map<String, int[]> predictions,
                                                                            boolean uncensoredOnly) {
        Map<LengthCorpus.Group, Map<String, LengthMetrics>> byGroup = new EnumMap<>(LengthCorpus.Group.class);
        for (LengthCorpus.Group g : LengthCorpus.Group.values()) {
            int[] idx = java.util.stream.IntStream.range(0, test.size()).filter(i -> test.get(i).group() == g
                    && !(uncensoredOnly && test.get(i).label().censored())).toArray();
            int[] truth = Arrays.stream(idx).map(i -> test.get(i).label().length()).toArray();
            Map<String, LengthMetrics> m = new LinkedHashMap<>();
            predictions.forEach((name, all) -> m.put(name, LengthMetrics.of(truth, Arrays.stream(idx).map(i -> all[i]).toArray(), BINNING)));
            byGroup.put(g, m);
        }
        return byGroup;
    }

    static String markdown(List<LengthCorpus.Row> rows, List<Path> models, Evaluation e) {
        List<LengthCorpus.Row> test = LengthCorpus.where(rows, LengthCorpus.Row::isTest);
        StringBuilder md = new StringBuilder();
        md.append("<!-- Generated by: ").append(COMMAND).append(models.size() > 1 ? " \"-Dtool.args=" + String.join(" ",
                models.stream().map(Path::toString).toList()) + "\"" : "").append(" -->\n\n");
        md.append("# Table 5 on the held-out test split (").append(LocalDate.now(ZoneOffset.UTC)).append(")\n\n");
        Map<LengthCorpus.Group, Long> counts = new EnumMap<>(LengthCorpus.Group.class);
        Map<LengthCorpus.Group, Long> censored = new EnumMap<>(LengthCorpus.Group.class);
        for (LengthCorpus.Row r : test) {
            counts.merge(r.group(), 1L, Long::sum);
            censored.merge(r.group(), r.label().censored() ? 1L : 0L, Long::sum);
        }
        md.append(String.format("Test rows: CASTILLO's own test split, %d chat prompts (Alpaca, Dolly, ShareGPT) and %d code "
                        + "prompts (DS1000, Mbpp, Apps, BigCodeBench), and the fixed Arena-Hard test subset (%d prompts, the "
                        + "6:2:2 split with seed 20250529). True length: the median of the prompt's sampled Llama-3.1-8B-Instruct "
                        + "answer lengths (10 for CASTILLO, 1 for Arena-Hard); censored medians (%d chat, %d code, %d Arena-Hard: "
                        + "half or more runaway samples, or the 4,096-token cap) are scored at the cap value, which understates "
                        + "their error. Models run from text through ONNX Runtime (the model folders: %s). Baselines fitted on "
                        + "train + validate: the constant median label (%d tokens) and least squares of length on ln(1 + "
                        + "MiniLM prompt tokens) (length = %.1f + %.1f ln(1 + tokens)).%n%n",
                counts.get(LengthCorpus.Group.CHAT), counts.get(LengthCorpus.Group.CODE), counts.get(LengthCorpus.Group.ARENA),
                censored.get(LengthCorpus.Group.CHAT), censored.get(LengthCorpus.Group.CODE), censored.get(LengthCorpus.Group.ARENA),
                models.stream().map(p -> p.getFileName().toString()).toList(), e.constant(), e.promptLengthFit().intercept(),
                e.promptLengthFit().slope()));
        md.append("Bins: 100 equal-width bins of 82 tokens over [0, 8192) (the paper's Table 5 binning); Kendall's tau is "
                + "tau-b between true and predicted bins (\"n/a\" for a constant predictor); RMSE is of the predicted length "
                + "in tokens; \"cap bin, true < 1000\" counts prompts whose true length is under 1,000 tokens but whose "
                + "prediction falls in the last bin.\n\n");
        md.append("## All test rows\n\n");
        table(md, e.byGroup());
        md.append("\n## Test rows with an uncensored label only\n\nThe same predictions, leaving out the rows whose "
                + "true length is unknown (censored, above). Reported because a handful of them dominate the RMSE; the "
                + "table above is the primary one.\n\n");
        table(md, e.uncensoredByGroup());
        targets(md, test, e, models.get(0).getFileName().toString());
        return md.toString();
    }

    /**
     * Issue 14's targets for the shipped (first) model on the chat test prompts, met or missed and by how much, and
     * what the censored rows alone cost the RMSE target.
     */
    private static void targets(StringBuilder md, List<LengthCorpus.Row> test, Evaluation e, String folder) {
        Map<String, LengthMetrics> chat = e.byGroup().get(LengthCorpus.Group.CHAT);
        String model = chat.keySet().iterator().next(); // the card name of the first folder
        LengthMetrics m = chat.get(model);
        double constantRmse = chat.get(CONSTANT).rmse();
        double rmseChange = m.rmse() / constantRmse - 1;
        double meanError = m.meanPredicted() / m.meanTrue() - 1;
        md.append("\n## Issue 14's targets, chat test prompts, ").append(folder).append("\n\n");
        md.append("| target | measured | |\n|---|---:|---|\n");
        md.append(String.format("| Kendall's tau >= 0.5 | %.3f | %s |%n", m.kendallTau(), m.kendallTau() >= 0.5 ? "met"
                : String.format("missed by %.3f", 0.5 - m.kendallTau())));
        md.append(String.format("| RMSE at least 25%% below the constant median's (%.1f) | %+.1f%% (%.1f) | %s |%n",
                constantRmse, 100 * rmseChange, m.rmse(), rmseChange <= -0.25 ? "met"
                        : String.format("missed by %.1f points", 100 * (rmseChange + 0.25))));
        md.append(String.format("| mean predicted within 10%% of mean true | %.0f vs %.0f (%+.1f%%) | %s |%n",
                m.meanPredicted(), m.meanTrue(), 100 * meanError, Math.abs(meanError) <= 0.10 ? "met" : "missed"));
        md.append(String.format("| no prediction in the cap bin for a true length under 1,000 | %d | %s |%n",
                m.capBinUnder1000(), m.capBinUnder1000() == 0 ? "met" : "missed"));
        // The RMSE target against the censored rows: their squared error is fixed by labels scored at the cap.
        int[] predicted = e.testPredictions().get(model);
        double censoredSquares = 0;
        int rows = 0;
        int censoredRows = 0;
        for (int i = 0; i < test.size(); i++) {
            LengthCorpus.Row r = test.get(i);
            if (r.group() != LengthCorpus.Group.CHAT) {
                continue;
            }
            rows++;
            if (r.label().censored()) {
                censoredRows++;
                double d = predicted[i] - r.label().length();
                censoredSquares += d * d;
            }
        }
        double allowed = Math.pow(0.75 * constantRmse, 2) * rows;
        double left = allowed - censoredSquares;
        md.append(String.format("%nWhy the RMSE target is out of reach here: RMSE 25%% below the constant's is %.1f tokens, "
                        + "a total squared error of %.3g over the %d chat rows. The %d censored rows (scored at the %d-token "
                        + "runaway cap) alone add %.3g with this model's predictions, %.0f%% of that budget, which would leave "
                        + "the %d other rows an RMSE of %s; the constant median's RMSE on them is %.1f and this model's %.1f. "
                        + "The uncensored table above is the fairer view of the size error.%n",
                0.75 * constantRmse, allowed, rows, censoredRows, io.scorpio.predictor.data.CastilloDataset.RUNAWAY,
                censoredSquares, 100 * censoredSquares / allowed, rows - censoredRows,
                left > 0 ? String.format("at most %.0f tokens", Math.sqrt(left / (rows - censoredRows))) : "below zero",
                e.uncensoredByGroup().get(LengthCorpus.Group.CHAT).get(CONSTANT).rmse(),
                e.uncensoredByGroup().get(LengthCorpus.Group.CHAT).get(model).rmse()));
    }

    private static void table(StringBuilder md, Map<LengthCorpus.Group, Map<String, LengthMetrics>> byGroup) {
        md.append("| prompts | predictor | Kendall's tau | exact | within 1 | within 2 | RMSE (tokens) | RMSE vs constant | mean predicted | mean true | cap bin, true < 1000 |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (var g : byGroup.entrySet()) {
            double constantRmse = g.getValue().get(CONSTANT).rmse();
            for (var p : g.getValue().entrySet()) {
                LengthMetrics m = p.getValue();
                md.append(String.format("| %s (%d) | %s | %s | %.1f%% | %.1f%% | %.1f%% | %.1f | %+.1f%% | %.0f | %.0f | %d |%n",
                        g.getKey().name().toLowerCase(), m.rows(), p.getKey(),
                        Double.isNaN(m.kendallTau()) ? "n/a" : String.format("%.3f", m.kendallTau()),
                        100 * m.accuracy(), 100 * m.offBy1(), 100 * m.offBy2(), m.rmse(),
                        100 * (m.rmse() / constantRmse - 1), m.meanPredicted(), m.meanTrue(), m.capBinUnder1000()));
            }
        }
    }
}
