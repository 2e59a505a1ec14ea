package io.scorpio.core.scheduler;

import java.util.List;

/**
 * What completing a step changed: the requests that got a token (in batch order) and those that finished.
 * A request's first token is the one after which {@link RequestState#generatedTokens()} is 1.
 */
public record StepOutcome(List<RequestState> advanced, List<RequestState> finished) {
    public StepOutcome {
        advanced = List.copyOf(advanced);
        finished = List.copyOf(finished);
    }
}
