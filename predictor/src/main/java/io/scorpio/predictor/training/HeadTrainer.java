package io.scorpio.predictor.training;

import io.scorpio.predictor.binning.LengthBinning;
import io.scorpio.predictor.metrics.BinMetrics;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Trains the classification head: multinomial logistic regression (a linear layer + softmax, cross-entropy) over the
 * standardised head features, with Tribuo's SGD (AdaGrad). As in the paper, the number of epochs is chosen by the
 * length RMSE on the validation split.
 */
public final class HeadTrainer {

    public static final int[] EPOCH_CANDIDATES = {1, 2, 3, 5, 8, 12, 20};
    public static final double[] LEARNING_RATES = {0.003, 0.01, 0.03, 0.1};
    public static final long SEED = 12345L;

    /** A trained head: the Tribuo model, its feature names in graph order, the standardisation and the epochs. */
    public record TrainedHead(LinearSGDModel model, List<String> featureNames, HeadFeatures.Standardisation standardisation,
                              double learningRate, int epochs, BinMetrics validation) {

        public int predictBin(float[] rawFeatures) {
            Example<Label> ex = example(featureNames, standardisation.apply(rawFeatures), LABEL_FACTORY.getUnknownOutput());
            return Integer.parseInt(model.predict(ex).getOutput().getLabel());
        }
    }

    private static final LabelFactory LABEL_FACTORY = new LabelFactory();

    private HeadTrainer() {
    }

    public static String describe() {
        return "multinomial logistic regression (linear + softmax, cross-entropy) on standardised features, "
                + "Tribuo LinearSGDTrainer with AdaGrad, minibatch 1, seed " + SEED + "; learning rate from "
                + java.util.Arrays.toString(LEARNING_RATES) + " and epochs from " + java.util.Arrays.toString(EPOCH_CANDIDATES)
                + " chosen by validation length RMSE";
    }

    public static TrainedHead train(float[][] trainX, int[] trainLengths, float[][] valX, int[] valLengths,
                                    LengthBinning binning) {
        Logger.getLogger("org.tribuo").setLevel(Level.WARNING);
        List<String> names = featureNames(trainX[0].length);
        HeadFeatures.Standardisation std = HeadFeatures.Standardisation.fit(trainX);
        List<Example<Label>> rows = new ArrayList<>();
        for (int i = 0; i < trainX.length; i++) {
            rows.add(example(names, std.apply(trainX[i]), new Label(Integer.toString(binning.binOf(trainLengths[i])))));
        }
        MutableDataset<Label> dataset = new MutableDataset<>(new ListDataSource<>(rows, LABEL_FACTORY,
                new SimpleDataSourceProvenance("length-predictor training split", LABEL_FACTORY)));
        TrainedHead best = null;
        for (double learningRate : LEARNING_RATES) {
            for (int epochs : EPOCH_CANDIDATES) {
                LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(learningRate, 0.1),
                        epochs, Integer.MAX_VALUE, 1, SEED);
                LinearSGDModel model = trainer.train(dataset);
                TrainedHead candidate = new TrainedHead(model, names, std, learningRate, epochs, null);
                int[] predicted = new int[valX.length];
                for (int i = 0; i < valX.length; i++) {
                    predicted[i] = candidate.predictBin(valX[i]);
                }
                BinMetrics val = BinMetrics.of(valLengths, predicted, binning);
                if (best == null || val.rmse() < best.validation().rmse()) {
                    best = new TrainedHead(model, names, std, learningRate, epochs, val);
                }
            }
        }
        return best;
    }

    /** Zero-padded names, so that name order is column order. */
    static List<String> featureNames(int count) {
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(String.format("f%04d", i));
        }
        return names;
    }

    private static Example<Label> example(List<String> names, float[] values, Label label) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i];
        }
        return new ArrayExample<>(label, names.toArray(new String[0]), v);
    }
}
