package io.scorpio.predictor.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorpio.model.DataFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Arena-Hard prompts with the lengths of Llama-3.1-8B-Instruct's answers, from
 * the bundled {@code datasets/arena-hard-llama31-8b/} (question.jsonl joined with lengths_llama3_tokenizer.jsonl on the id).
 * 499 of the 500 prompts have an answer. Answers were generated with a 4,096-token cap: those at 4,090 tokens or
 * more (36) are marked censored and keep their observed length, a lower bound of the true one.
 */
public final class ArenaHardDataset {

    public static final String FOLDER = "arena-hard-llama31-8b";
    public static final String MODEL = "llama-3.1-8b-instruct";
    public static final int CENSOR_THRESHOLD = 4090;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ArenaHardDataset() {
    }

    /** All usable pairs from the default data folder, sorted by id. */
    public static List<LengthSample> load() {
        return load(DataFiles.resolve());
    }

    public static List<LengthSample> load(DataFiles data) {
        Map<String, String> prompts = new HashMap<>();
        for (JsonNode q : readJsonLines(data.file(FOLDER + "/question.jsonl"))) {
            prompts.put(q.path("question_id").asText(), q.path("turns").path(0).path("content").asText());
        }
        List<LengthSample> samples = new ArrayList<>();
        for (JsonNode l : readJsonLines(data.file(FOLDER + "/lengths_llama3_tokenizer.jsonl"))) {
            if (!MODEL.equals(l.path("model").asText())) {
                continue;
            }
            String id = l.path("id").asText();
            String prompt = prompts.get(id);
            if (prompt == null || prompt.isBlank()) {
                continue;
            }
            int out = l.path("response_tokens_llama3").asInt(-1);
            int in = l.path("prompt_tokens_llama3").asInt(-1);
            if (out < 0 || in < 0) {
                continue;
            }
            samples.add(new LengthSample(id, prompt, in, out, out >= CENSOR_THRESHOLD));
        }
        samples.sort(Comparator.comparing(LengthSample::id));
        if (samples.isEmpty()) {
            throw new IllegalStateException("no " + MODEL + " samples found in " + data + " under " + FOLDER);
        }
        return samples;
    }

    private static List<JsonNode> readJsonLines(Path file) {
        try {
            List<JsonNode> rows = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
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
