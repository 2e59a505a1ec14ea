package io.scorpio.experiments.trace;

import io.scorpio.model.Slo;

/**
 * One request of a trace as read, before any window, filter or SLO is applied.
 *
 * @param line         the line of the file it was read from (1-based), for error messages
 * @param arrivalMs    arrival, ms after the trace's earliest request; NaN when the trace has no arrival column
 * @param promptTokens prompt length in tokens
 * @param outputTokens output length in tokens (the simulated worker is forced to produce exactly this many)
 * @param sloClass     the row's SLO class name (Table 1: "1" to "6"), or null
 * @param slo          explicit TTFT/TPOT targets, or null
 * @param promptText   the prompt's text, or null
 * @param sessionId    a session or conversation id, or null (kept for reports; the scheduler does not use it)
 */
public record TraceRow(int line, double arrivalMs, int promptTokens, int outputTokens, String sloClass, Slo slo,
                       String promptText, String sessionId) {

    TraceRow withArrival(double ms) {
        return new TraceRow(line, ms, promptTokens, outputTokens, sloClass, slo, promptText, sessionId);
    }
}
