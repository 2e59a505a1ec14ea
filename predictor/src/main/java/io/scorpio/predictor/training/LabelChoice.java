package io.scorpio.predictor.training;

import io.scorpio.predictor.data.CastilloDataset;
import io.scorpio.predictor.data.LengthCorpus;

import java.util.ArrayList;
import java.util.List;

/**
 * How the sampled answer lengths of a prompt become training rows. MEDIAN: one row, the median (censored when half or
 * more samples ran away). MEAN_FINISHED: one row, the mean of the samples that did not run away (runaway samples
 * dropped; a prompt with only runaway samples keeps one censored row). ALL_SAMPLES: one row per finished sample (so a
 * squared loss fits the mean of the samples; runaway samples are kept as censored rows).
 */
public enum LabelChoice {
    MEDIAN, MEAN_FINISHED, ALL_SAMPLES;

    /** Training rows: the feature row index, the label and whether it is censored. */
    public record Rows(int[] index, int[] lengths, boolean[] censored) {
        public float[][] select(float[][] x) {
            float[][] out = new float[index.length][];
            for (int i = 0; i < index.length; i++) {
                out[i] = x[index[i]];
            }
            return out;
        }
    }

    public Rows rows(List<LengthCorpus.Row> corpus, int[] which) {
        List<int[]> out = new ArrayList<>();
        for (int r : which) {
            LengthCorpus.Row row = corpus.get(r);
            int cap = row.group() == LengthCorpus.Group.ARENA ? row.label().length() : CastilloDataset.RUNAWAY;
            switch (this) {
                case MEDIAN -> out.add(new int[]{r, row.label().length(), row.label().censored() ? 1 : 0});
                case MEAN_FINISHED -> {
                    long sum = 0;
                    int count = 0;
                    for (int s : row.samples()) {
                        if (s < CastilloDataset.RUNAWAY && !(row.label().censored() && row.samples().length == 1)) {
                            sum += s;
                            count++;
                        }
                    }
                    out.add(count == 0 ? new int[]{r, Math.min(cap, CastilloDataset.RUNAWAY), 1}
                            : new int[]{r, (int) Math.round((double) sum / count), 0});
                }
                case ALL_SAMPLES -> {
                    for (int s : row.samples()) {
                        boolean censored = s >= CastilloDataset.RUNAWAY || (row.samples().length == 1 && row.label().censored());
                        out.add(new int[]{r, Math.min(s, CastilloDataset.RUNAWAY), censored ? 1 : 0});
                    }
                }
            }
        }
        int n = out.size();
        int[] index = new int[n];
        int[] lengths = new int[n];
        boolean[] censored = new boolean[n];
        for (int i = 0; i < n; i++) {
            index[i] = out.get(i)[0];
            lengths[i] = out.get(i)[1];
            censored[i] = out.get(i)[2] == 1;
        }
        return new Rows(index, lengths, censored);
    }
}
