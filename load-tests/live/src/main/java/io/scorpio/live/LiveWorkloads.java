package io.scorpio.live;

import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.trace.TraceOptions;
import io.scorpio.experiments.trace.TraceReader;
import io.scorpio.experiments.trace.TraceReplay;
import io.scorpio.experiments.workload.AzureTrace;
import io.scorpio.experiments.workload.WorkloadGenerator;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.DataFiles;
import io.scorpio.model.LengthSample;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The experiments' workloads as the live client sends them: Poisson arrivals at a QPS over a dataset's length pool
 * (or, for the Azure traces, the trace's own arrival times), the paper's SLO classes, and max_tokens equal to the
 * true output length, because that is how the live service is made to produce exactly that many tokens. The
 * virtual-time runner gets the very same list, so both see the same max_tokens. {@link #withText} keeps the real
 * prompt text and a real cap instead.
 */
public final class LiveWorkloads {

    private LiveWorkloads() {
    }

    /**
     * @param qps      Poisson rate; for the Azure traces, a speed-up factor over the trace's own rate when > 0
     * @param requests how many requests (the first ones of the trace for Azure)
     */
    public static List<WorkloadRequest> build(Workloads workload, DataFiles data, double qps, int requests, long seed) {
        return drawn(workload, data, qps, requests, seed).stream().map(LiveWorkloads::forced).toList();
    }

    /**
     * The same requests for real-prompt runs ({@link LiveClient.Prompts#TEXT}): each keeps its prompt text and the
     * paper's max_tokens (2,048, a cap that never binds on the paper-filtered pools), and its prompt length becomes
     * the text's cl100k count, the count that the node and the stand-in take, so that virtual time plans with the
     * same length. No prediction: the node makes its own, and the virtual-time run attaches the same model's.
     *
     * @throws IllegalArgumentException when the workload has no prompt text (ShareGPT's pool is lengths only)
     */
    public static List<WorkloadRequest> withText(Workloads workload, DataFiles data, double qps, int requests, long seed) {
        return drawn(workload, data, qps, requests, seed).stream().map(w -> {
            if (w.promptText() == null || w.promptText().isEmpty()) {
                throw new IllegalArgumentException("workload " + workload.label() + " has no prompt text (request "
                        + w.id() + "); real-text prompts need arena-hard or castillo-chat");
            }
            return new WorkloadRequest(w.id(), w.arrivalMs(), PromptText.count(w.promptText()), w.outputTokens(),
                    w.maxTokens(), w.slo(), w.sloClass(), w.promptText(), OptionalInt.empty());
        }).toList();
    }

    /**
     * The workload's prompts with the length of the answer the dataset's model gave each (Llama-3.1-8B-Instruct for
     * Arena-Hard and CASTILLO): what a vLLM stand-in replays ({@code --answer-lengths}) so that a request sent without
     * {@code ignore_eos} stops where the real model stopped. Prompts without text are left out.
     */
    public static Map<String, Integer> answerLengths(Workloads workload, DataFiles data) {
        Map<String, Integer> out = new HashMap<>();
        for (LengthSample s : workload.pool(data)) {
            if (s.promptText() != null && !s.promptText().isEmpty()) {
                out.merge(s.promptText(), s.outputTokens(), (a, b) -> {
                    if (!a.equals(b)) {
                        throw new IllegalStateException(workload.label() + " has one prompt with two answer lengths, "
                                + a + " and " + b + ": a replay could not tell which");
                    }
                    return a;
                });
            }
        }
        return out;
    }

    private static List<WorkloadRequest> drawn(Workloads workload, DataFiles data, double qps, int requests, long seed) {
        return switch (workload) {
            case AZURE_CONV, AZURE_CODE -> azure(workload, data, qps, requests, seed);
            default -> WorkloadGenerator.paperDefaults().poisson(workload.pool(data), qps, requests, seed);
        };
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
