package io.scorpio.core.scheduler;

import io.scorpio.model.RejectReason;

/** A request the guard refused before its first token, and why. */
public record Rejection(RequestState request, RejectReason reason, String message) {
}
