package io.scorpio.gpusim;

import io.scorpio.model.DataFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Cross-check of the ground truth against ML.ENERGY's measured vLLM decode TPOT of Llama-3.1-8B-Instruct on an
 * A100-SXM4-40GB (ShareGPT, TP=1). Those TPOTs include the time of prefills interleaved with decode steps, so they
 * are an upper bound on a pure decode step at the same average batch size: the model must sit below them (and not
 * absurdly far below at small batches). Run {@link #main} to print the table that docs/gpu-sim.md shows.
 */
public final class MlEnergyCrossCheck {

    /** Data file, relative to the bundled data ({@link DataFiles}). */
    public static final String CSV = "gpu-profiles/ml_energy_llama31_8b/llama31_8b_tpot_vs_batch.csv";
    /** A100-40GB HBM2 bandwidth (NVIDIA datasheet), for an apples-to-apples row. */
    public static final double A100_40GB_GBPS = 1555;
    /** Context lengths at which the model is evaluated (tokens of KV each sequence reads). */
    public static final int[] CONTEXTS = {256, 512, 1024};

    /** One measured point. */
    public record Measured(String gpu, int maxBatch, double avgBatch, double tpotMs, double avgOutputTokens) {
    }

    /** The measured point next to the model's decode step at each of {@link #CONTEXTS}. */
    public record Row(Measured measured, double[] model80Ms, double[] model40Ms) {
    }

    private MlEnergyCrossCheck() {
    }

    public static List<Measured> readMeasured(DataFiles data) {
        Path csv = data.file(CSV);
        try {
            List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
            List<Measured> out = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",");
                // Model,GPU,TP,PP,config,Max BS,Avg BS,Avg TPOT (s),Token tput,Avg Output Tokens,Energy/req
                out.add(new Measured(f[1], Integer.parseInt(f[5]), Double.parseDouble(f[6]),
                        Double.parseDouble(f[7]) * 1000.0, Double.parseDouble(f[9])));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv, e);
        }
    }

    /** The A100 rows of the measurement with the model's decode step time beside them. */
    public static List<Row> compare(GpuProfile profile, DataFiles data) {
        GroundTruthStepTime at80 = new GroundTruthStepTime(profile);
        GroundTruthStepTime at40 = new GroundTruthStepTime(profile.withBandwidth(A100_40GB_GBPS));
        List<Row> rows = new ArrayList<>();
        for (Measured m : readMeasured(data)) {
            if (!m.gpu().contains("A100")) {
                continue;
            }
            int b = (int) Math.round(m.avgBatch());
            double[] r80 = new double[CONTEXTS.length];
            double[] r40 = new double[CONTEXTS.length];
            for (int i = 0; i < CONTEXTS.length; i++) {
                r80[i] = at80.decodeMsUniform(b, CONTEXTS[i]);
                r40[i] = at40.decodeMsUniform(b, CONTEXTS[i]);
            }
            rows.add(new Row(m, r80, r40));
        }
        return rows;
    }

    /** The comparison as a Markdown table. */
    public static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| avg batch | ML.ENERGY TPOT (ms, A100-40GB) |");
        for (int c : CONTEXTS) {
            sb.append(" model @").append(c).append(" (80GB / 40GB BW) |");
        }
        sb.append(" model@1024 (40GB) / measured |\n|---|---|");
        for (int ignored : CONTEXTS) {
            sb.append("---|");
        }
        sb.append("---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %.1f | %.1f |", r.measured().avgBatch(), r.measured().tpotMs()));
            for (int i = 0; i < CONTEXTS.length; i++) {
                sb.append(String.format(Locale.ROOT, " %.1f / %.1f |", r.model80Ms()[i], r.model40Ms()[i]));
            }
            int last = CONTEXTS.length - 1;
            sb.append(String.format(Locale.ROOT, " %.2f |%n", r.model40Ms()[last] / r.measured().tpotMs()));
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        DataFiles data = DataFiles.resolve();
        GpuProfile profile = GpuProfile.load(GpuProfile.DEFAULT_NAME, data);
        System.out.println("profile " + profile.name() + ", data " + data);
        System.out.print(markdown(compare(profile, data)));
        GroundTruthStepTime t = new GroundTruthStepTime(profile);
        System.out.println();
        System.out.println("| batch | context | decode ms (80GB) |");
        System.out.println("|---|---|---|");
        for (int b : new int[] {1, 8, 32, 64, 128, 256}) {
            for (int c : new int[] {512, 1024, 2048}) {
                System.out.printf(Locale.ROOT, "| %d | %d | %.2f |%n", b, c, t.decodeMsUniform(b, c));
            }
        }
        System.out.println();
        System.out.println("| prompts | prefill ms |");
        System.out.println("|---|---|");
        for (int[] p : new int[][] {{16}, {128}, {512}, {1024}, {256, 256, 256, 256}, {64, 64, 64, 64, 64, 64, 64, 64}}) {
            System.out.printf(Locale.ROOT, "| %s | %.2f |%n", java.util.Arrays.toString(p), t.prefillMs(p));
        }
    }
}
