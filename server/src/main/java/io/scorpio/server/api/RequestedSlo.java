package io.scorpio.server.api;

import io.scorpio.model.Slo;

/**
 * The SLO a request is held to, with the label it came by: the configured class name the client asked for,
 * {@link #CUSTOM} when it gave figures (body {@code slo} or {@code x-slo-*} headers), or {@link #DEFAULT} when it named
 * none. Access control decides on the label; the per-class metrics count by it.
 */
public record RequestedSlo(String sloClass, Slo slo) {

    public static final String CUSTOM = "custom";
    public static final String DEFAULT = "default";
}
