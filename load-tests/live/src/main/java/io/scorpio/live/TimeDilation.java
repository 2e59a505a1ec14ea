package io.scorpio.live;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.Slo;
import io.scorpio.server.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the whole served system {@code factor} times slower than the simulated GPU's real time, consistently, so
 * that one machine's cores can carry several nodes and the client: every simulated step takes {@code factor} times
 * longer ({@code worker.time-scale}), and so do the scheduler's own time models (step time, prefill time), its
 * rejection margin, starvation limit and idle poll, the requests' SLOs and the gaps between arrivals. Relative to
 * the SLOs and to a worker's capacity nothing changes; only the real overheads (CPU, network, event bus, timers)
 * become {@code factor} times smaller in comparison.
 *
 * <p>The client's measurements are turned back into the model's time ({@link #toModelTime}) so that goodput, TTFT
 * and TPOT read as for the simulated A100 and compare directly with the virtual-time experiments.
 *
 * @param factor 1 = real time; 2 = everything twice as slow
 */
public record TimeDilation(double factor) {

    /** The server's keys that are durations in ms of the model's time. */
    static final List<String> SCALED_KEYS = List.of("model.step.a", "model.step.b", "model.step.c", "model.step.d",
            "model.prefill.c", "model.prefill.alpha", "model.prefill.beta", "scheduler.rejection-margin-ms",
            "scheduler.starvation-limit-ms", "engine.idle-poll-ms");

    public static final TimeDilation NONE = new TimeDilation(1.0);

    public TimeDilation {
        if (!(factor >= 1) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("time dilation must be a finite factor >= 1, got " + factor);
        }
    }

    /** The node flags: the worker's time scale and every scaled key, from the server's own defaults. */
    public List<String> nodeFlags() {
        List<String> flags = new ArrayList<>();
        flags.add("--worker.time-scale=" + number(factor));
        if (factor != 1.0) {
            ServerConfig defaults = ServerConfig.defaults();
            for (String key : SCALED_KEYS) {
                double v = defaults.getDouble(key) * factor;
                // engine.idle-poll-ms is read as a whole number of ms.
                flags.add("--" + key + "=" + (key.equals("engine.idle-poll-ms") ? Long.toString(Math.round(v)) : number(v)));
            }
        }
        return flags;
    }

    /** The workload as sent: arrival times and SLOs stretched by the factor. */
    public List<WorkloadRequest> stretch(List<WorkloadRequest> workload) {
        return workload.stream().map(w -> new WorkloadRequest(w.id(), w.arrivalMs() * factor, w.promptTokens(),
                w.outputTokens(), w.maxTokens(), scale(w.slo(), factor), w.sloClass(), w.promptText(),
                w.predictedOutputTokens())).toList();
    }

    /** The run as the model saw it: every time and SLO divided by the factor (compliance is unchanged by this). */
    public LiveClient.Run toModelTime(LiveClient.Run run) {
        double f = 1.0 / factor;
        List<RequestResult> out = new ArrayList<>();
        for (RequestResult r : run.results()) {
            out.add(new RequestResult(r.id(), r.sloClass(), scale(r.slo(), f), r.arrivalMs() * f, r.firstTokenMs() * f,
                    r.endMs() * f, r.outputTokens(), r.outcome(), r.rejectReason(), r.failureReason()));
        }
        return new LiveClient.Run(List.copyOf(out), run.notSent(), run.wallSeconds() * f);
    }

    private static Slo scale(Slo slo, double f) {
        return new Slo(slo.ttftMs() * f, slo.tpotMs() * f);
    }

    private static String number(double v) {
        return Double.toString(v);
    }
}
