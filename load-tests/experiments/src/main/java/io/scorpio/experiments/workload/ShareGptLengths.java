package io.scorpio.experiments.workload;

import io.scorpio.model.DataFiles;
import io.scorpio.model.LengthSample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ShareGPT conversation lengths (microsoft/sarathi-serve's processed trace, Llama-2 tokenizer, decode capped at
 * 1,024 by its authors). Columns {@code num_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio}.
 */
public final class ShareGptLengths {

    public static final String CSV = "sharegpt-lengths/sharegpt_8k_filtered_stats_llama2_tokenizer.csv";
    static final String HEADER = "num_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio";

    private ShareGptLengths() {
    }

    /** Every row, unfiltered; sourceId is the 1-based data row number. */
    public static List<LengthSample> load(DataFiles data) {
        Path csv = data.file(CSV);
        List<String> lines = Datasets.lines(csv);
        Datasets.requireHeader(csv, lines, HEADER);
        List<LengthSample> out = new ArrayList<>(lines.size());
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            out.add(new LengthSample("sharegpt-" + i, Integer.parseInt(f[0].trim()), Integer.parseInt(f[1].trim()),
                    null, false));
        }
        return List.copyOf(out);
    }

    /** The rows the paper keeps ({@link LengthFilter#PAPER}). */
    public static List<LengthSample> loadPaperFiltered(DataFiles data) {
        return LengthFilter.PAPER.apply(load(data));
    }
}
