package io.scorpio.experiments.workload;

import io.scorpio.experiments.trace.TraceReader;
import io.scorpio.model.DataFiles;
import io.scorpio.model.LengthSample;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The Azure LLM inference trace 2023 (Patel et al., Splitwise, ISCA 2024; CC-BY-4.0): one row per request with
 * its own arrival time, context (prompt) tokens and generated tokens. Timestamps carry 7 fractional digits, which
 * {@link LocalDateTime} parsing of microseconds does not take: we keep the first 6 (truncation, at most 1 us off).
 * The files have no trailing newline.
 */
public final class AzureTrace {

    /** The two services in the trace. */
    public enum Service {
        CONVERSATION("azure-llm-trace-2023/AzureLLMInferenceTrace_conv.csv"),
        CODE("azure-llm-trace-2023/AzureLLMInferenceTrace_code.csv");

        private final String file;

        Service(String file) {
            this.file = file;
        }

        public String file() {
            return file;
        }
    }

    /** One trace row, its arrival relative to the trace's first row. */
    public record Row(int index, double arrivalMs, int promptTokens, int outputTokens) {
        public LengthSample sample(String prefix) {
            return new LengthSample(prefix + index, promptTokens, outputTokens, null, false);
        }
    }

    static final String HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens";
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private AzureTrace() {
    }

    /**
     * Every row of one service's trace, in file order (which is time order), arrival 0 at the first row. Read by the
     * general trace reader ({@link TraceReader}), which detects this layout; the header is still checked, so that a
     * replaced file ({@code -Dscorpio.data.dir}) in another layout fails loudly.
     */
    public static List<Row> load(DataFiles data, Service service) {
        Path csv = data.file(service.file());
        Datasets.requireHeader(csv, Datasets.lines(csv), HEADER);
        return TraceReader.read(csv).rows().stream()
                .map(r -> new Row(r.line() - 1, r.arrivalMs(), r.promptTokens(), r.outputTokens()))
                .toList();
    }

    /** The rows that arrive in the first {@code minutes} minutes (arrival strictly before the cut). */
    public static List<Row> firstMinutes(List<Row> rows, double minutes) {
        double cut = minutes * 60_000.0;
        return rows.stream().filter(r -> r.arrivalMs() < cut).toList();
    }

    /** Parses {@code 2023-11-16 18:15:46.6805900}, keeping 6 of the fractional digits. */
    static LocalDateTime parseTimestamp(String s) {
        String ts = s.trim();
        int dot = ts.indexOf('.');
        if (dot < 0) {
            ts = ts + ".000000";
        } else {
            String frac = ts.substring(dot + 1);
            frac = frac.length() >= 6 ? frac.substring(0, 6) : (frac + "000000").substring(0, 6);
            ts = ts.substring(0, dot + 1) + frac;
        }
        return LocalDateTime.parse(ts, TS);
    }
}
