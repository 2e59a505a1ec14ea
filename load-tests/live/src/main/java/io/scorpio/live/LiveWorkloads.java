package io.scorpio.live;

import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.trace.TraceOptions;
import io.scorpio.experiments.trace.TraceReader;
import io.scorpio.experiments.trace.TraceReplay;
import io.scorpio.experiments.workload.AzureTrace;
import io.scorpio.experiments.workload.WorkloadGenerator;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.DataFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * The experiments' workloads as the live client sends them: Poisson arrivals at a QPS over a dataset's length pool
 * (or, for the Azure traces, the trace's own arrival times), the paper's SLO classes, and max_tokens equal to the
 * true output length, because that is how the live service is made to produce exactly that many tokens. The
 * virtual-time runner gets the very same list, so both see the same max_tokens.
 */
public final class LiveWorkloads {

    private LiveWorkloads() {
    }

    /**
     * @param qps      Poisson rate; for the Azure traces, a speed-up factor over the trace's own rate when > 0
     * @param requests how many requests (the first ones of the trace for Azure)
     */
    public static List<WorkloadRequest> build(Workloads workload, DataFiles data, double qps, int requests, long seed) {
        List<WorkloadRequest> base = switch (workload) {
            case AZURE_CONV, AZURE_CODE -> azure(workload, data, qps, requests, seed);
            default -> WorkloadGenerator.paperDefaults().poisson(workload.pool(data), qps, requests, seed);
        };
        return base.stream().map(LiveWorkloads::forced).toList();
    }

    private static List<WorkloadRequest> azure(Workloads workload, DataFiles data, double speed, int requests, long seed) {
        AzureTrace.Service service = workload == Workloads.AZURE_CODE ? AzureTrace.Service.CODE
                : AzureTrace.Service.CONVERSATION;
        List<WorkloadRequest> replay = Workloads.azureReplay(data, service, seed);
        double scale = speed > 0 ? speed : 1.0;
        double t0 = replay.isEmpty() ? 0 : replay.get(0).arrivalMs();
        return replay.stream().limit(requests)
                .map(w -> new WorkloadRequest(w.id(), (w.arrivalMs() - t0) / scale, w.promptTokens(), w.outputTokens(),
                        w.maxTokens(), w.slo(), w.sloClass(), w.promptText(), w.predictedOutputTokens()))
                .toList();
    }

    /**
     * A request trace of the user's own, read and selected exactly as the experiments' {@code replay FILE} does
     * (the same reader and options), then given max_tokens = the true output length.
     */
    public static TraceReplay.Selection fromTrace(Path file, TraceOptions options, long seed) {
        TraceReader.Trace trace = TraceReader.read(file, options.columns(), options.timeUnit());
        TraceReplay.Selection s = TraceReplay.select(trace, options, seed);
        return new TraceReplay.Selection(s.read(), s.inWindow(), s.filteredOut(),
                s.requests().stream().map(LiveWorkloads::forced).toList(), s.spanSeconds());
    }

    /** max_tokens = the true output length, no prediction. */
    static WorkloadRequest forced(WorkloadRequest w) {
        return new WorkloadRequest(w.id(), w.arrivalMs(), w.promptTokens(), w.outputTokens(), w.outputTokens(), w.slo(),
                w.sloClass(), w.promptText(), OptionalInt.empty());
    }
}
