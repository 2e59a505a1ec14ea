package io.scorpio.core.scheduler;

import io.scorpio.model.RejectReason;

/** What {@link Scheduler#submit} did with a request: queued it, or refused it at once. */
public sealed interface SubmitResult {

    /** Queued; the state is the scheduler's live view of it. */
    record Queued(RequestState state) implements SubmitResult {
    }

    /** Refused before queueing, because no schedule could ever run it. */
    record Refused(RequestSpec spec, RejectReason reason, String message) implements SubmitResult {
    }
}
