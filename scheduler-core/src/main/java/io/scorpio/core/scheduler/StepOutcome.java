package io.scorpio.core.scheduler;

import java.util.List;

/**
 * What completing a step changed: the requests that got tokens (in batch order; one each, unless the worker reported
 * other counts) and those that finished. A request's first token is its first in {@code advanced}.
 */
public record StepOutcome(List<RequestState> advanced, List<RequestState> finished) {
    public StepOutcome {
        advanced = List.copyOf(advanced);
        finished = List.copyOf(finished);
    }
}
