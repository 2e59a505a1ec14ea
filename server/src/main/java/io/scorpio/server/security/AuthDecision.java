package io.scorpio.server.security;

import io.scorpio.server.api.ApiError;

/** What access control says about a request: go on (with the key, if keys are on) or refuse with an error. */
public sealed interface AuthDecision {

    /** Allowed; {@code key} is null when API keys are off. */
    record Granted(ApiKey key) implements AuthDecision {
    }

    /**
     * Refused with an OpenAI-style error; {@code retryAfterSeconds} is set (> 0) for 429 only.
     */
    record Refused(ApiError error, long retryAfterSeconds) implements AuthDecision {
    }
}
