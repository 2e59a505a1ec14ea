package io.scorpio.predictor;

/** A predicted output length: the most likely bin and that bin's midpoint, in tokens. */
public record Prediction(int bin, int predictedLength) {
}
