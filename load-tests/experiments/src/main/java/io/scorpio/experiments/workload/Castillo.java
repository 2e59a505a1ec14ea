package io.scorpio.experiments.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorpio.model.DataFiles;
import io.scorpio.model.LengthSample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * CASTILLO's test-split chat prompts (Alpaca, Dolly, ShareGPT) with Llama-3.1-8B-Instruct answer lengths, the
 * prompts the shipped length predictor never saw in training. Each prompt has 10 sampled answers; a request's output
 * is the first of them (one real generation, with the sampling spread a server sees), and its prompt length is
 * CASTILLO's {@code input_size} (Llama-3 tokens with the chat template). A sample at 8,000+ tokens ran away to the
 * 15,001-token generation cap and is censored.
 */
public final class Castillo {

    public static final String FILE = "castillo-llama31-8b/castillo_llama31_8b.jsonl";
    public static final Set<String> CHAT = Set.of("Alpaca", "DollyDataset", "ShareGPT");
    public static final int RUNAWAY = 8000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Castillo() {
    }

    /** The test-split chat prompts, in file order, unfiltered. */
    public static List<LengthSample> chatTest(DataFiles data) {
        Path file = data.file(FILE);
        List<LengthSample> out = new ArrayList<>();
        for (String line : Datasets.lines(file)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode r;
            try {
                r = JSON.readTree(line);
            } catch (IOException e) {
                throw new UncheckedIOException("bad JSON line in " + file, e);
            }
            if (!"test".equals(r.path("split").asText()) || !CHAT.contains(r.path("dataset").asText())) {
                continue;
            }
            int output = r.path("output_sizes").path(0).asInt();
            out.add(new LengthSample("castillo-" + r.path("prompt_id").asText(), r.path("input_size").asInt(), output,
                    r.path("prompt").asText(), output >= RUNAWAY));
        }
        return List.copyOf(out);
    }
}
