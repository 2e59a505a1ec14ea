package io.scorpio.experiments.runner;

import io.scorpio.predictor.data.CastilloDataset;
import io.scorpio.experiments.trace.TraceOptions;
import io.scorpio.experiments.trace.TraceReader;
import io.scorpio.experiments.trace.TraceReplay;
import io.scorpio.model.LengthSample;
import io.scorpio.experiments.workload.AzureTrace;
import io.scorpio.experiments.workload.LengthFilter;
import io.scorpio.experiments.workload.ShareGptLengths;
import io.scorpio.experiments.workload.WorkloadGenerator;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.DataFiles;
import io.scorpio.predictor.data.ArenaHardDataset;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The workloads the experiments run, by name, each a pool of (prompt, output) lengths from real data. */
public enum Workloads {
    SHAREGPT("sharegpt"),
    ARENA_HARD("arena-hard"),
    AZURE_CONV("azure-conv"),
    AZURE_CODE("azure-code"),
    /** CASTILLO's test-split chat prompts: prompt text the shipped predictor never trained on. */
    CASTILLO_CHAT("castillo-chat");

    /** The Azure pools are the trace's first 20 minutes, the part the paper replays. */
    public static final double AZURE_MINUTES = 20;

    private final String label;

    Workloads(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Workloads named(String name) {
        for (Workloads w : values()) {
            if (w.label.equals(name.toLowerCase(Locale.ROOT))) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload '" + name + "'; known: sharegpt, arena-hard, azure-conv, "
                + "azure-code, castillo-chat");
    }

    /** The length pool, filtered as the paper filters (prompt and output >= 4, prompt <= 1,024, total <= 2,048). */
    public List<LengthSample> pool(DataFiles data) {
        return switch (this) {
            case SHAREGPT -> ShareGptLengths.loadPaperFiltered(data);
            case ARENA_HARD -> LengthFilter.PAPER.apply(ArenaHardDataset.load(data));
            case AZURE_CONV -> azurePool(data, AzureTrace.Service.CONVERSATION);
            case AZURE_CODE -> azurePool(data, AzureTrace.Service.CODE);
            case CASTILLO_CHAT -> LengthFilter.PAPER.apply(CastilloDataset.chatTestRequests(data));
        };
    }

    /**
     * The trace's first 20 minutes with its own arrival times, filtered as the paper filters, SLO classes drawn
     * uniformly: the general trace replay ({@link TraceReplay}) with the paper's options.
     */
    public static List<WorkloadRequest> azureReplay(DataFiles data, AzureTrace.Service service, long seed) {
        TraceOptions paper = TraceOptions.defaults().withWindow(0, AZURE_MINUTES).withFilter(LengthFilter.PAPER);
        return TraceReplay.select(TraceReader.read(data.file(service.file())), paper, seed).requests();
    }

    private static List<LengthSample> azurePool(DataFiles data, AzureTrace.Service service) {
        List<AzureTrace.Row> rows = AzureTrace.firstMinutes(AzureTrace.load(data, service), AZURE_MINUTES);
        String prefix = service == AzureTrace.Service.CODE ? "azure-code-" : "azure-conv-";
        return LengthFilter.PAPER.apply(rows.stream().map(r -> r.sample(prefix)).toList());
    }
}
