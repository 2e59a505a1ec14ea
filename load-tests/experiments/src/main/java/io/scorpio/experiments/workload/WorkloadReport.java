package io.scorpio.experiments.workload;

import io.scorpio.model.LengthSample;
import io.scorpio.model.DataFiles;
import io.scorpio.predictor.data.ArenaHardDataset;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Prints the dataset statistics and noise-model calibration results that docs/workloads.md quotes. Run with the
 * bundled data ({@link DataFiles}).
 */
public final class WorkloadReport {

    private WorkloadReport() {
    }

    public static void main(String[] args) {
        DataFiles data = DataFiles.resolve();
        System.out.println("data: " + data);
        System.out.println();
        System.out.println("| dataset | rows | kept by the paper's filter | mean prompt (kept) | mean output (kept) |");
        System.out.println("|---|---|---|---|---|");
        row("ShareGPT lengths", ShareGptLengths.load(data));
        List<LengthSample> arena = ArenaHardDataset.load(data);
        row("Arena-Hard, Llama-3.1-8B answers", arena);
        System.out.printf(Locale.ROOT, "%nArena-Hard censored answers (4,096 cap): %d%n%n",
                arena.stream().filter(LengthSample::censored).count());
        for (AzureTrace.Service s : AzureTrace.Service.values()) {
            var all = AzureTrace.load(data, s);
            var first20 = AzureTrace.firstMinutes(all, 20);
            var kept = WorkloadGenerator.paperDefaults().replay(first20, LengthFilter.PAPER, 1);
            System.out.printf(Locale.ROOT,
                    "Azure %s: %d rows over %.1f min; first 20 min: %d rows (%.2f req/s); kept by the filter: %d"
                            + " (%.2f req/s), mean prompt %.1f, mean output %.1f%n",
                    s, all.size(), all.get(all.size() - 1).arrivalMs() / 60_000, first20.size(),
                    first20.size() / 1200.0, kept.size(), kept.size() / 1200.0,
                    kept.stream().mapToInt(WorkloadRequest::promptTokens).average().orElse(0),
                    kept.stream().mapToInt(WorkloadRequest::outputTokens).average().orElse(0));
        }
        System.out.println();
        System.out.println("| workload | seed | noise s | spread k | Kendall tau | RMSE (tokens) |");
        System.out.println("|---|---|---|---|---|---|");
        var gen = WorkloadGenerator.paperDefaults();
        var share = ShareGptLengths.loadPaperFiltered(data);
        for (long seed = 1; seed <= 5; seed++) {
            calibration("ShareGPT, 512 requests", gen.poisson(share, 10, 512, seed), seed);
        }
        var arenaKept = LengthFilter.PAPER.apply(arena);
        calibration("Arena-Hard, filtered (" + arenaKept.size() + ")",
                gen.poisson(arenaKept, 10, arenaKept.size(), 1), 1);
        var conv = gen.replay(AzureTrace.firstMinutes(AzureTrace.load(data, AzureTrace.Service.CONVERSATION), 20),
                LengthFilter.PAPER, 1);
        calibration("Azure conv, first 512 of 20 min", conv.subList(0, 512), 1);
    }

    private static void row(String name, List<LengthSample> all) {
        var kept = LengthFilter.PAPER.apply(all);
        System.out.printf(Locale.ROOT, "| %s | %d | %d | %.1f | %.1f |%n", name, all.size(), kept.size(),
                kept.stream().mapToInt(LengthSample::promptTokens).average().orElse(0),
                kept.stream().mapToInt(LengthSample::outputTokens).average().orElse(0));
    }

    private static void calibration(String name, List<WorkloadRequest> w, long seed) {
        int[] truth = w.stream().mapToInt(WorkloadRequest::outputTokens).toArray();
        var cal = NoisyPredictor.paper(seed).calibrate(truth);
        System.out.printf(Locale.ROOT, "| %s | %d | %.3f | %.2f | %.3f | %.1f |%n", name, seed, cal.noise(),
                cal.spread(), cal.achieved().kendallTau(), cal.achieved().rmse());
    }
}
