package io.scorpio.core.model;

/**
 * A fitted model with its accuracy on the samples it kept, and how many outliers it dropped.
 */
public record ModelFit<M>(M model, FitAccuracy accuracy, int outliersDropped) {
}
