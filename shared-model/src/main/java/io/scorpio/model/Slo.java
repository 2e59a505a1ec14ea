package io.scorpio.model;

/**
 * A request's latency targets: time to first token and time per output token, in milliseconds.
 *
 * <p>Both must be finite and positive; an SLO of zero or below can never be met and is refused
 * here rather than deep inside the scheduler.
 */
public record Slo(double ttftMs, double tpotMs) {

    /** The largest target we accept (one hour): anything larger is almost surely a unit mistake. */
    public static final double MAX_MS = 3_600_000;

    public Slo {
        requireSane("ttftMs", ttftMs);
        requireSane("tpotMs", tpotMs);
    }

    private static void requireSane(String name, double value) {
        if (!Double.isFinite(value) || value <= 0 || value > MAX_MS) {
            throw new IllegalArgumentException(
                    name + " must be a finite number of milliseconds in (0, " + (long) MAX_MS + "], got " + value);
        }
    }

    public static Slo ofSeconds(double ttftSeconds, double tpotMs) {
        return new Slo(ttftSeconds * 1000.0, tpotMs);
    }
}
