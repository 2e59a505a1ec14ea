package io.scorpio.live;

import io.scorpio.experiments.metrics.RequestResult;
import io.scorpio.experiments.metrics.RunSummary;
import io.scorpio.experiments.report.Charts;
import io.scorpio.experiments.report.ResultTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The live run's report, in the experiment runner's forms: a summary table (CSV, JSON, Markdown) with the spec
 * section 1 metrics, a per-request table, and PNG charts (cumulative compliant requests; TTFT per request).
 */
public final class LiveReport {

    public static final List<String> SUMMARY_COLUMNS = List.of("label", "transport", "qps", "requests", "not_sent",
            "goodput", "adherence", "ttft_violations", "tpot_violations", "rejections", "completed", "aborted", "failed",
            "ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms", "duration_s", "wall_s");

    private LiveReport() {
    }

    /** Adds one summary row for a run. */
    public static void addRow(ResultTable table, String label, String transport, double qps, LiveClient.Run run) {
        RunSummary s = RunSummary.of(run.results());
        table.add(label, transport, qps, s.all().submitted(), run.notSent(), s.goodput(), s.adherence(),
                s.all().ttftViolations(), s.all().tpotViolations(), s.all().rejected(), s.all().completed(),
                s.all().aborted(), s.all().failed(), s.ttft().p50(), s.ttft().p99(), s.tpot().p50(), s.tpot().p99(),
                s.durationMs() / 1000.0, run.wallSeconds());
    }

    public static ResultTable summaryTable() {
        return new ResultTable(SUMMARY_COLUMNS);
    }

    public static ResultTable requestTable(List<RequestResult> results) {
        ResultTable t = new ResultTable(List.of("id", "slo_class", "ttft_slo_ms", "tpot_slo_ms", "arrival_ms",
                "first_token_ms", "end_ms", "output_tokens", "outcome", "reason", "ttft_ms", "tpot_ms", "compliant"));
        for (RequestResult r : results) {
            String reason = r.rejectReason() != null ? r.rejectReason().errorType()
                    : r.failureReason() != null ? r.failureReason() : "";
            t.add(r.id(), r.sloClass(), r.slo().ttftMs(), r.slo().tpotMs(), r.arrivalMs(), r.firstTokenMs(), r.endMs(),
                    r.outputTokens(), r.outcome().name().toLowerCase(), reason, r.ttftMs(), r.tpotMs(), r.compliant());
        }
        return t;
    }

    /** Writes {@code summary.*}, {@code requests.*}, {@code cumulative.png} and {@code ttft.png} into {@code dir}. */
    public static void write(Path dir, String label, String transport, double qps, LiveClient.Run run)
            throws IOException {
        ResultTable summary = summaryTable();
        addRow(summary, label, transport, qps, run);
        summary.writeAll(dir, "summary");
        requestTable(run.results()).writeAll(dir, "requests");
        Charts.linePng(dir.resolve("cumulative.png"), "Compliant requests over time, " + label, "time (s)",
                "compliant requests", List.of(cumulativeCompliant(transport, run.results())));
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (RequestResult r : run.results()) {
            if (r.completed()) {
                x.add(r.arrivalMs() / 1000.0);
                y.add(r.ttftMs());
            }
        }
        Charts.linePng(dir.resolve("ttft.png"), "TTFT by arrival, " + label, "arrival (s)", "TTFT (ms)",
                List.of(new Charts.Series(transport, x, y)));
    }

    /** Only {@code summary.*} and {@code requests.csv}: for experiments that write many runs. */
    public static void writeCompact(Path dir, String label, String transport, double qps, LiveClient.Run run)
            throws IOException {
        ResultTable summary = summaryTable();
        addRow(summary, label, transport, qps, run);
        summary.writeAll(dir, "summary");
        Files.writeString(dir.resolve("requests.csv"), requestTable(run.results()).toCsv());
    }

    static Charts.Series cumulativeCompliant(String name, List<RequestResult> results) {
        List<Double> ends = results.stream().filter(RequestResult::compliant).map(r -> r.endMs() / 1000.0).sorted()
                .toList();
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 0; i < ends.size(); i++) {
            x.add(ends.get(i));
            y.add((double) (i + 1));
        }
        return new Charts.Series(name, x, y);
    }
}
