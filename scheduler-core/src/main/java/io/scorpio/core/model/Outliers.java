package io.scorpio.core.model;

/** The paper's outlier rule (spec 2.2): a point is dropped when |y - yhat| / min(y, yhat) > 1. */
final class Outliers {

    private Outliers() {
    }

    static boolean isOutlier(double observed, double predicted) {
        double smaller = Math.min(observed, predicted);
        if (smaller <= 0) {
            // A non-positive prediction of a positive duration is off by more than 100% by any reading.
            return true;
        }
        return Math.abs(observed - predicted) / smaller > 1;
    }
}
