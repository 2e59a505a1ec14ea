package io.scorpio.experiments.trace;

import io.scorpio.experiments.workload.LengthFilter;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How a trace is turned into a workload; the same options for the virtual-time replay and the live client.
 *
 * @param fromMinutes start of the time window, minutes after the trace's first request
 * @param minutes     length of the window (infinite: to the end)
 * @param speed       arrivals come this many times faster than in the trace (1: as recorded)
 * @param qps         when > 0, the trace's times are replaced by Poisson arrivals at this rate (its order is kept)
 * @param filter      which lengths are kept (rows with no prompt or no output token are never servable)
 * @param maxRequests at most this many requests, the first ones of the window
 * @param sloMix      how classes are drawn for rows without an SLO
 * @param columns     explicit column names by role ({@link TraceColumns#parseOverrides})
 * @param timeUnit    how numeric arrival times are read
 */
public record TraceOptions(double fromMinutes, double minutes, double speed, double qps, LengthFilter filter,
                           int maxRequests, SloMix sloMix, Map<String, String> columns,
                           TraceReader.TimeUnit timeUnit) {

    /** What user traces get by default: only rows that cannot be served at all (0 tokens) are dropped. */
    public static final LengthFilter SERVABLE = new LengthFilter(1, 1, Integer.MAX_VALUE, Integer.MAX_VALUE);

    /** The option names {@link #parse} reads (without "--"), for the commands' usage lines. */
    public static final Set<String> NAMES = Set.of("from", "minutes", "speed", "qps", "filter", "max-prompt",
            "max-total", "max-requests", "slo-mix", "columns", "time-unit");

    public static final String USAGE = """
              --from MIN --minutes MIN   time window (minutes after the first request; default: all)
              --speed X                  arrivals X times faster than recorded (default 1)
              --qps Q                    Poisson arrivals at Q req/s instead of the trace's times
              --filter none|paper        length filter: none (default) or the paper's (prompt and output >= 4,
                                         prompt <= 1024, prompt + output <= 2048)
              --max-prompt N --max-total N   a custom length filter (combines with --filter)
              --max-requests N           at most N requests, the first of the window
              --slo-mix uniform|w1,..,w6 SLO classes of Table 1 for rows without one (default uniform; seeded)
              --columns role=NAME,...    name columns (roles: arrival, prompt, output, slo_class, ttft, tpot,
                                         text, session) where detection does not find them
              --time-unit auto|s|ms      unit of numeric arrival times (auto: by the column's name)""";

    public TraceOptions {
        columns = Map.copyOf(columns);
        if (!(fromMinutes >= 0) || !(minutes > 0) || !(speed > 0) || !Double.isFinite(speed) || !(qps >= 0)
                || maxRequests < 1) {
            throw new TraceException("need --from >= 0, --minutes > 0, --speed > 0, --qps >= 0 and "
                    + "--max-requests >= 1");
        }
    }

    /** Everything, at the trace's own pace, SLO classes drawn uniformly. */
    public static TraceOptions defaults() {
        return new TraceOptions(0, Double.POSITIVE_INFINITY, 1, 0, SERVABLE, Integer.MAX_VALUE, SloMix.uniform(),
                Map.of(), TraceReader.TimeUnit.AUTO);
    }

    public TraceOptions withWindow(double from, double length) {
        return new TraceOptions(from, length, speed, qps, filter, maxRequests, sloMix, columns, timeUnit);
    }

    public TraceOptions withFilter(LengthFilter f) {
        return new TraceOptions(fromMinutes, minutes, speed, qps, f, maxRequests, sloMix, columns, timeUnit);
    }

    public TraceOptions withMaxRequests(int n) {
        return new TraceOptions(fromMinutes, minutes, speed, qps, filter, n, sloMix, columns, timeUnit);
    }

    /** Reads the options in {@link #NAMES} from {@code --name value} pairs (names without "--"); others are ignored. */
    public static TraceOptions parse(Map<String, String> o) {
        try {
            LengthFilter f = switch (o.getOrDefault("filter", "none").toLowerCase(Locale.ROOT)) {
                case "none" -> SERVABLE;
                case "paper" -> LengthFilter.PAPER;
                default -> throw new TraceException("--filter: expected none or paper, found '" + o.get("filter") + "'");
            };
            if (o.containsKey("max-prompt") || o.containsKey("max-total")) {
                f = new LengthFilter(f.minPrompt(), f.minOutput(),
                        Math.min(f.maxPrompt(), Integer.parseInt(o.getOrDefault("max-prompt", "" + Integer.MAX_VALUE))),
                        Math.min(f.maxTotal(), Integer.parseInt(o.getOrDefault("max-total", "" + Integer.MAX_VALUE))));
            }
            return new TraceOptions(
                    Double.parseDouble(o.getOrDefault("from", "0")),
                    o.containsKey("minutes") ? Double.parseDouble(o.get("minutes")) : Double.POSITIVE_INFINITY,
                    Double.parseDouble(o.getOrDefault("speed", "1")),
                    Double.parseDouble(o.getOrDefault("qps", "0")),
                    f,
                    Integer.parseInt(o.getOrDefault("max-requests", "" + Integer.MAX_VALUE)),
                    SloMix.parse(o.get("slo-mix")),
                    TraceColumns.parseOverrides(o.get("columns")),
                    TraceReader.TimeUnit.parse(o.getOrDefault("time-unit", "auto")));
        } catch (NumberFormatException e) {
            throw new TraceException("a trace option expects a number: " + e.getMessage());
        }
    }
}
