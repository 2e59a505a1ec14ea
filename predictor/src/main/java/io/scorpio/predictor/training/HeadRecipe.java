package io.scorpio.predictor.training;

import io.scorpio.predictor.binning.LengthBinning;
import io.scorpio.predictor.data.LengthCorpus;

import java.util.List;

/**
 * How to fit one length head: which loss, which labels, which settings. {@link io.scorpio.predictor.tools.CompareHeads}
 * scores many recipes on the development rows; {@link io.scorpio.predictor.tools.TrainLengthHead} fits the chosen one.
 *
 * @param kind        ridge on log length, ridge on length, or pairwise ranking (RankNet) calibrated to log length,
 *                    with a linear scorer or one hidden layer
 * @param labels      how a prompt's sampled lengths become labels
 * @param penalty     ridge lambda, or the ranker's L2 penalty
 * @param rate        the ranker's learning rate (unused by ridge)
 * @param pairsPerRow the ranker's SGD pairs per training row (unused by ridge)
 * @param smear       scale a log fit so that its mean prediction estimates the mean length
 * @param hidden      the hidden layer's ReLU units (0: a linear head)
 * @param folds       cross-fitting folds of the one-hidden-layer head's calibration (below 2: none; see {@link MlpRanker})
 */
public record HeadRecipe(Kind kind, LabelChoice labels, double penalty, double rate, int pairsPerRow, boolean smear,
                         int hidden, int folds) {

    public enum Kind { RIDGE_LOG_LENGTH, RIDGE_LENGTH, PAIRWISE_RANKING, MLP_RANKING }

    public static final long RANKING_SEED = 7L;

    public static HeadRecipe ridgeLog(LabelChoice labels, double lambda, boolean smear) {
        return new HeadRecipe(Kind.RIDGE_LOG_LENGTH, labels, lambda, 0, 0, smear, 0, 0);
    }

    public static HeadRecipe ridge(LabelChoice labels, double lambda) {
        return new HeadRecipe(Kind.RIDGE_LENGTH, labels, lambda, 0, 0, false, 0, 0);
    }

    public static HeadRecipe ranking(LabelChoice labels, double rate, double l2, int pairsPerRow, boolean smear) {
        return new HeadRecipe(Kind.PAIRWISE_RANKING, labels, l2, rate, pairsPerRow, smear, 0, 0);
    }

    public static HeadRecipe mlpRanking(LabelChoice labels, int hidden, double rate, double l2, int pairsPerRow,
                                        boolean smear, int folds) {
        return new HeadRecipe(Kind.MLP_RANKING, labels, l2, rate, pairsPerRow, smear, hidden, folds);
    }

    /** Fits the head on the corpus rows {@code which}, with x the raw feature row of every corpus row. */
    public LengthHead fit(List<LengthCorpus.Row> corpus, int[] which, float[][] x) {
        LabelChoice.Rows rows = labels.rows(corpus, which);
        float[][] tx = rows.select(x);
        return switch (kind) {
            case RIDGE_LOG_LENGTH -> RidgeRegression.fit(tx, rows.lengths(), rows.censored(), penalty, true, smear,
                    LengthBinning.MAX_LENGTH);
            case RIDGE_LENGTH -> RidgeRegression.fit(tx, rows.lengths(), rows.censored(), penalty, false, false,
                    LengthBinning.MAX_LENGTH);
            case PAIRWISE_RANKING -> PairwiseRanker.fit(tx, rows.lengths(), rows.censored(), pairsPerRow, rate, penalty,
                    smear, RANKING_SEED, LengthBinning.MAX_LENGTH);
            case MLP_RANKING -> MlpRanker.fit(tx, rows.lengths(), rows.censored(), hidden, pairsPerRow, rate, penalty,
                    smear, RANKING_SEED, LengthBinning.MAX_LENGTH, folds);
        };
    }

    public String name() {
        return switch (kind) {
            case RIDGE_LOG_LENGTH -> "ridge on log length";
            case RIDGE_LENGTH -> "ridge on length";
            case PAIRWISE_RANKING -> "pairwise ranking (RankNet) + log calibration";
            case MLP_RANKING -> "one-hidden-layer ranker (RankNet) + log calibration";
        };
    }

    public String settings() {
        String s = "labels " + labels + ", " + switch (kind) {
            case RIDGE_LOG_LENGTH, RIDGE_LENGTH -> "lambda " + penalty;
            case PAIRWISE_RANKING -> "rate " + rate + ", l2 " + penalty + ", " + pairsPerRow + " pairs/row, seed " + RANKING_SEED;
            case MLP_RANKING -> hidden + " ReLU units, rate " + rate + ", l2 " + penalty + ", " + pairsPerRow
                    + " pairs/row, seed " + RANKING_SEED + (folds >= 2 ? ", cross-fitted over " + folds + " folds" : "");
        };
        return smear ? s + ", smearing" : s;
    }
}
