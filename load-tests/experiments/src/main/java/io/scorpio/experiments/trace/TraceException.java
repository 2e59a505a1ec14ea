package io.scorpio.experiments.trace;

/** A trace that cannot be used: unreadable rows (each with its file and line), a missing column, or no usable rows. */
public final class TraceException extends IllegalArgumentException {

    public TraceException(String message) {
        super(message);
    }
}
