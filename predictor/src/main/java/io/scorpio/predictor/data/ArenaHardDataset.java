package io.scorpio.predictor.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorpio.model.DataFiles;
import io.scorpio.model.LengthSample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Arena-Hard v0.1 prompts with the lengths of Llama-3.1-8B-Instruct's answers, from the bundled
 * {@code datasets/arena-hard-llama31-8b/}: the prompt text from {@code question.jsonl}, exact Llama-3 tokenizer
 * counts of prompt and answer from {@code lengths_llama3_tokenizer.jsonl} (joined on {@code id = question_id}), and
 * whether the answer hit the 4,096-token generation cap from the answers file's own {@code token_len} (the count at
 * generation time: the generator stopped there, which a re-tokenised count cannot tell). A capped answer (36 of 499)
 * is censored: its true unconstrained length is only known to be at least this long.
 *
 * <p>The one loader of this data: the predictor's training and Table 5 (which split it with {@link DatasetSplit},
 * by id) and the experiments' Arena-Hard workload (which keeps question-file order) both read it here.
 */
public final class ArenaHardDataset {

    public static final String FOLDER = "arena-hard-llama31-8b";
    public static final String MODEL = "llama-3.1-8b-instruct";
    /** The generation cap the answers were produced under. */
    public static final int GENERATION_CAP = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ArenaHardDataset() {
    }

    /** All samples from the default data folder; see {@link #load(DataFiles)}. */
    public static List<LengthSample> load() {
        return load(DataFiles.resolve());
    }

    /** One sample per question that has a Llama-3.1-8B answer (499 of 500), in question-file order, unfiltered. */
    public static List<LengthSample> load(DataFiles data) {
        Map<String, JsonNode> lengths = new HashMap<>();
        for (JsonNode n : jsonLines(data.file(FOLDER + "/lengths_llama3_tokenizer.jsonl"))) {
            if (MODEL.equals(n.path("model").asText())) {
                lengths.put(n.path("id").asText(), n);
            }
        }
        Map<String, Integer> generatedLength = new HashMap<>();
        for (JsonNode n : jsonLines(data.file(FOLDER + "/" + MODEL + ".jsonl"))) {
            generatedLength.put(n.path("question_id").asText(),
                    n.path("choices").path(0).path("turns").path(0).path("token_len").asInt(-1));
        }
        List<LengthSample> out = new ArrayList<>();
        for (JsonNode q : jsonLines(data.file(FOLDER + "/question.jsonl"))) {
            String id = q.path("question_id").asText();
            JsonNode length = lengths.get(id);
            if (length == null) {
                continue; // no Llama-3.1 answer for this question
            }
            String text = q.path("turns").path(0).path("content").asText();
            boolean censored = generatedLength.getOrDefault(id, -1) >= GENERATION_CAP;
            out.add(new LengthSample(id, length.path("prompt_tokens_llama3").asInt(),
                    length.path("response_tokens_llama3").asInt(), text, censored));
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no " + MODEL + " samples found in " + data + " under " + FOLDER);
        }
        return List.copyOf(out);
    }

    private static List<JsonNode> jsonLines(Path file) {
        try {
            List<JsonNode> rows = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    rows.add(JSON.readTree(line));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
