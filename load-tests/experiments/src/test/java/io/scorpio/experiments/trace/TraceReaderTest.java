package io.scorpio.experiments.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.experiments.workload.LengthFilter;
import io.scorpio.model.Slo;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reader on a small trace in each supported layout (test resources under traces/), and its errors. */
class TraceReaderTest {

    static Path trace(String name) {
        try {
            return Path.of(TraceReaderTest.class.getResource("/traces/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void azureLayoutTimestampsWithSevenDigitsBecomeMillisecondsFromTheFirstRow() {
        TraceReader.Trace t = TraceReader.read(trace("azure-2023.csv"));
        assertEquals("TIMESTAMP", t.columns().name(TraceColumns.Role.ARRIVAL));
        assertEquals("ContextTokens", t.columns().name(TraceColumns.Role.PROMPT));
        assertEquals("GeneratedTokens", t.columns().name(TraceColumns.Role.OUTPUT));
        List<TraceRow> rows = t.rows();
        assertEquals(4, rows.size(), "the last row has no trailing newline");
        assertEquals(new TraceRow(2, 0.0, 374, 44, null, null, null, null), rows.get(0));
        assertEquals(4314.579, rows.get(1).arrivalMs(), 1e-9, "18:15:50.995169 - 18:15:46.680590");
        assertEquals(60319.41, rows.get(3).arrivalMs(), 1e-9, "the 7th fractional digit is dropped");
        assertEquals(5, rows.get(3).line());
    }

    @Test
    void azure2024LayoutTimestampsWithAnOffsetAreRead() {
        TraceReader.Trace t = TraceReader.read(trace("azure-2024.csv"));
        assertEquals(List.of(0.0, 26.34, 1490.07), t.rows().stream().map(TraceRow::arrivalMs).toList());
        assertEquals(2399, t.rows().get(1).promptTokens());
    }

    @Test
    void burstGptLayoutReadsSecondsAndZeroTokenResponsesAreNeverServed() {
        TraceReader.Trace t = TraceReader.read(trace("burstgpt.csv"));
        assertEquals("Request tokens", t.columns().name(TraceColumns.Role.PROMPT));
        assertEquals("Response tokens", t.columns().name(TraceColumns.Role.OUTPUT));
        assertEquals(List.of(0.0, 40_000.0, 113_000.0, 113_500.0),
                t.rows().stream().map(TraceRow::arrivalMs).toList(), "seconds, from the first row");
        TraceReplay.Selection s = TraceReplay.select(t, TraceOptions.defaults(), 1);
        assertEquals(4, s.read());
        assertEquals(1, s.filteredOut(), "the failed request (0 response tokens) cannot be replayed");
        assertEquals(List.of(472, 417, 1360), s.requests().stream().map(r -> r.promptTokens()).toList());
    }

    @Test
    void mooncakeJsonLinesReadMillisecondTimestampsAndIgnoreHashIds() {
        TraceReader.Trace t = TraceReader.read(trace("mooncake.jsonl"));
        assertEquals("input_length", t.columns().name(TraceColumns.Role.PROMPT));
        assertEquals(4, t.rows().size(), "the blank line is skipped");
        assertEquals(List.of(0.0, 0.0, 27_482.0, 30_535.0), t.rows().stream().map(TraceRow::arrivalMs).toList());
        assertEquals(5, t.rows().get(3).line(), "line numbers count the blank line");
        assertEquals(7001, t.rows().get(3).promptTokens());
    }

    @Test
    void lengthsOnlyTraceNeedsARateAndThenGetsPoissonArrivals() {
        TraceReader.Trace t = TraceReader.read(trace("sharegpt-lengths.csv"));
        assertEquals("num_prefill_tokens", t.columns().name(TraceColumns.Role.PROMPT));
        TraceException e = assertThrows(TraceException.class, () -> TraceReplay.select(t, TraceOptions.defaults(), 1));
        assertTrue(e.getMessage().contains("give --qps"), e.getMessage());
        TraceOptions at5 = TraceOptions.parse(Map.of("qps", "5"));
        var reqs = TraceReplay.select(t, at5, 1).requests();
        assertEquals(List.of(93, 1107, 19), reqs.stream().map(r -> r.promptTokens()).toList(), "trace order kept");
        assertTrue(reqs.get(0).arrivalMs() > 0 && reqs.get(1).arrivalMs() > reqs.get(0).arrivalMs());
        var at10 = TraceReplay.select(t, TraceOptions.parse(Map.of("qps", "10")), 1).requests();
        assertEquals(reqs.get(2).arrivalMs() / 2, at10.get(2).arrivalMs(), 1e-9, "same gaps, twice the rate");
    }

    @Test
    void customColumnsCarryClassesTargetsQuotedTextAndSessions() {
        TraceReader.Trace t = TraceReader.read(trace("custom.csv"));
        TraceRow first = t.rows().get(0);
        assertEquals(new Slo(250, 25), first.slo());
        assertEquals("Hello, world", first.promptText());
        assertEquals("s1", first.sessionId());
        assertEquals("He said \"hi\"", t.rows().get(2).promptText());
        assertEquals(1250.0, t.rows().get(2).arrivalMs());
        var reqs = TraceReplay.select(t, TraceOptions.defaults(), 7).requests();
        assertEquals(TraceReplay.CUSTOM_CLASS, reqs.get(0).sloClass());
        assertEquals(new Slo(250, 25), reqs.get(0).slo());
        assertEquals("6", reqs.get(1).sloClass(), "the row's own class");
        assertEquals(Slo.ofSeconds(7.5, 50), reqs.get(1).slo());
        assertEquals("Hello, world", reqs.get(0).promptText());
    }

    @Test
    void rowsAreSortedByArrivalAndColumnsNamedInMillisecondsAreMilliseconds() {
        TraceReader.Trace t = TraceReader.read(trace("unsorted.jsonl"));
        assertEquals(List.of(0.0, 500.0, 2000.0), t.rows().stream().map(TraceRow::arrivalMs).toList());
        assertEquals(List.of(20, 10, 30), t.rows().stream().map(TraceRow::promptTokens).toList());
        TraceReader.Trace asSeconds = TraceReader.read(trace("unsorted.jsonl"), Map.of(), TraceReader.TimeUnit.SECONDS);
        assertEquals(500_000.0, asSeconds.rows().get(1).arrivalMs(), "--time-unit overrides the name");
    }

    @Test
    void undetectedColumnsAreNamedWithColumnsOption() {
        TraceException e = assertThrows(TraceException.class, () -> TraceReader.read(trace("odd-names.csv")));
        assertTrue(e.getMessage().contains("odd-names.csv") && e.getMessage().contains("--columns prompt="),
                e.getMessage());
        TraceReader.Trace t = TraceReader.read(trace("odd-names.csv"),
                TraceColumns.parseOverrides("arrival=T_SENT,prompt=in,output=out"), TraceReader.TimeUnit.AUTO);
        assertEquals("t_sent", t.columns().name(TraceColumns.Role.ARRIVAL), "names match case-insensitively");
        assertEquals(1000.0, t.rows().get(1).arrivalMs());
        assertEquals(200, t.rows().get(1).promptTokens());
        assertThrows(TraceException.class, () -> TraceColumns.parseOverrides("duration=x"));
    }

    @Test
    void malformedRowsAreRefusedWithFileLineAndReason() {
        TraceException e = assertThrows(TraceException.class, () -> TraceReader.read(trace("malformed.csv")));
        String m = e.getMessage();
        assertTrue(m.contains("5 row(s) cannot be read"), m);
        assertTrue(m.contains("malformed.csv:3: prompt token count is not a number: 'abc'"), m);
        assertTrue(m.contains("malformed.csv:4: has 2 fields, the header 3"), m);
        assertTrue(m.contains("malformed.csv:5: output token count must be a finite number >= 0, found '-5'"), m);
        assertTrue(m.contains("malformed.csv:6: arrival time is neither a number nor a timestamp: 'yesterday'"), m);
        assertTrue(m.contains("malformed.csv:7: prompt token count is not a whole number: '100.5'"), m);
        assertTrue(!m.contains(":2:") && !m.contains(":8:"), "good rows are not listed: " + m);
    }

    @Test
    void aTraceWhoseRowsAreAllFilteredOutIsAnError() {
        TraceReader.Trace t = TraceReader.read(trace("all-filtered.csv"));
        TraceException e = assertThrows(TraceException.class,
                () -> TraceReplay.select(t, TraceOptions.defaults().withFilter(LengthFilter.PAPER), 1));
        assertTrue(e.getMessage().contains("all-filtered.csv: no usable rows: 3 read, 3 in the time window, all "
                + "refused by the length filter (prompt >= 4, output >= 4, prompt <= 1024, prompt + output <= 2048)"),
                e.getMessage());
        assertEquals(3, TraceReplay.select(t, TraceOptions.defaults(), 1).requests().size(), "no filter by default");
        TraceException window = assertThrows(TraceException.class,
                () -> TraceReplay.select(t, TraceOptions.defaults().withWindow(10, 1), 1));
        assertTrue(window.getMessage().contains("0 in the time window"), window.getMessage());
    }

    @Test
    void missingAndEmptyFilesAreErrors() {
        TraceException missing = assertThrows(TraceException.class,
                () -> TraceReader.read(trace("all-filtered.csv").resolveSibling("does-not-exist.csv")));
        assertTrue(missing.getMessage().contains("cannot read the trace"), missing.getMessage());
        TraceException empty = assertThrows(TraceException.class, () -> TraceReader.read(trace("header-only.csv")));
        assertTrue(empty.getMessage().endsWith("header-only.csv: the trace has a header but no rows"),
                empty.getMessage());
    }
}
