package io.scorpio.model;

/**
 * How a request ended. Every request ends in exactly one of these; nothing is dropped silently.
 */
public enum RequestOutcome {
    /** All its tokens were produced and delivered. */
    COMPLETED,
    /** Refused by the guard before any token, with a {@link RejectReason}. */
    REJECTED,
    /** The client went away or cancelled. */
    ABORTED,
    /** Something broke (a worker died, a protocol error); the reason travels with it. */
    FAILED
}
