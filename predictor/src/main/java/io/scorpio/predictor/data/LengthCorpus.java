package io.scorpio.predictor.data;

import io.scorpio.model.DataFiles;
import io.scorpio.model.LengthSample;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * All prompts with answer lengths the predictor learns from, in one list: CASTILLO (the authors' split) and Arena-Hard
 * (the fixed 6:2:2 {@link DatasetSplit}; its test part is the fixed Arena-Hard test subset).
 */
public final class LengthCorpus {

    public static final String TRAIN = "train";
    public static final String VALIDATE = "validate";
    public static final String TEST = "test";

    /** Scoring groups of Table 5. */
    public enum Group { CHAT, CODE, ARENA }

    /**
     * One prompt: where it comes from (e.g. "castillo/Alpaca", "arena-hard"), its Table 5 group, its split, the text
     * the label (median of its sampled lengths, possibly censored) and the sampled lengths themselves (10 for CASTILLO,
     * one for Arena-Hard).
     */
    public record Row(String id, String source, Group group, String split, String prompt, LengthLabel label,
                      int[] samples) {
        public boolean isTest() {
            return TEST.equals(split);
        }
    }

    private LengthCorpus() {
    }

    /** CASTILLO rows (sorted by id) followed by Arena-Hard rows (sorted by id). */
    public static List<Row> load(DataFiles data) {
        List<Row> rows = new ArrayList<>();
        for (CastilloDataset.Prompt p : CastilloDataset.load(data)) {
            rows.add(new Row("castillo/" + p.id(), "castillo/" + p.source(), p.chat() ? Group.CHAT : Group.CODE,
                    p.split(), p.text(), p.label(), p.outputLengths()));
        }
        List<LengthSample> arena = new ArrayList<>(ArenaHardDataset.load(data));
        arena.sort(Comparator.comparing(LengthSample::sourceId));
        DatasetSplit split = DatasetSplit.of(arena, DatasetSplit.DEFAULT_SEED);
        for (LengthSample s : arena) {
            String which = split.train().contains(s) ? TRAIN : split.validation().contains(s) ? VALIDATE : TEST;
            rows.add(new Row("arena/" + s.sourceId(), "arena-hard", Group.ARENA, which, s.promptText(),
                    new LengthLabel(s.outputTokens(), s.censored()), new int[]{s.outputTokens()}));
        }
        return rows;
    }

    public static List<Row> where(List<Row> rows, Predicate<Row> keep) {
        return rows.stream().filter(keep).toList();
    }
}
