package io.scorpio.experiments.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorpio.model.DataFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Arena-Hard v0.1 prompts with the lengths of Llama-3.1-8B-Instruct's answers: the prompt text from
 * {@code question.jsonl}, exact Llama-3 tokenizer counts of prompt and answer from
 * {@code lengths_llama3_tokenizer.jsonl} (joined on {@code id = question_id}), and whether the answer hit the 4,096
 * token generation cap from the answers file's own {@code token_len} (the count at generation time). A capped answer
 * is censored: its true unconstrained length is unknown, only at least this long.
 */
public final class ArenaHard {

    public static final String DIR = "arena-hard-llama31-8b";
    public static final String MODEL = "llama-3.1-8b-instruct";
    /** The generation cap the answers were produced under. */
    public static final int GENERATION_CAP = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ArenaHard() {
    }

    /** One sample per question that has a Llama-3.1-8B answer (499 of 500), in question-file order, unfiltered. */
    public static List<LengthSample> load(DataFiles data) {
        Map<String, JsonNode> lengths = new HashMap<>();
        for (JsonNode n : jsonl(data.file(DIR + "/lengths_llama3_tokenizer.jsonl"))) {
            if (MODEL.equals(n.path("model").asText())) {
                lengths.put(n.path("id").asText(), n);
            }
        }
        Map<String, Integer> generatedLen = new HashMap<>();
        for (JsonNode n : jsonl(data.file(DIR + "/" + MODEL + ".jsonl"))) {
            generatedLen.put(n.path("question_id").asText(),
                    n.path("choices").path(0).path("turns").path(0).path("token_len").asInt(-1));
        }
        List<LengthSample> out = new ArrayList<>();
        for (JsonNode q : jsonl(data.file(DIR + "/question.jsonl"))) {
            String id = q.path("question_id").asText();
            JsonNode len = lengths.get(id);
            if (len == null) {
                continue; // no Llama-3.1 answer for this question
            }
            String text = q.path("turns").path(0).path("content").asText();
            boolean censored = generatedLen.getOrDefault(id, -1) >= GENERATION_CAP;
            out.add(new LengthSample(id, len.path("prompt_tokens_llama3").asInt(),
                    len.path("response_tokens_llama3").asInt(), text, censored));
        }
        return List.copyOf(out);
    }

    private static List<JsonNode> jsonl(Path file) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Datasets.lines(file)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(JSON.readTree(line));
            } catch (IOException e) {
                throw new UncheckedIOException("bad JSON line in " + file, e);
            }
        }
        return out;
    }
}
