package io.scorpio.predictor.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorpio.model.DataFiles;
import io.scorpio.model.LengthSample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * CASTILLO (arXiv 2505.16881): 4,707 prompts, each with the token lengths of 10 answers Llama-3.1-8B-Instruct sampled
 * (temperature 0.6, top-p 0.9), from the bundled {@code datasets/castillo-llama31-8b/}. The authors' split is kept:
 * train, validate, test (Alpaca, Dolly, ShareGPT, Apps and BigCodeBench have validate and test only).
 * 175 samples ran away to 8,000+ tokens (the generation cap is 15,001): they are censored, see {@link LengthLabel}.
 */
public final class CastilloDataset {

    public static final String FILE = "castillo-llama31-8b/castillo_llama31_8b.jsonl";
    /** Samples at or above this many tokens ran away (no finished answer of this model here is longer). */
    public static final int RUNAWAY = 8000;
    public static final Set<String> CHAT_SOURCES = Set.of("Alpaca", "DollyDataset", "ShareGPT");

    /**
     * One prompt: source data set, the authors' split, the text, its token count with the chat template
     * ({@code input_size}) and the 10 sampled answer lengths.
     */
    public record Prompt(String id, String source, String split, String text, int inputTokens, int[] outputLengths) {

        /** Chat (Alpaca, Dolly, ShareGPT) or code (DS1000, Mbpp, Apps, BigCodeBench). */
        public boolean chat() {
            return CHAT_SOURCES.contains(source);
        }

        public LengthLabel label() {
            return LengthLabel.medianOf(outputLengths, RUNAWAY);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private CastilloDataset() {
    }

    /** All prompts, sorted by id. */
    public static List<Prompt> load(DataFiles data) {
        List<Prompt> prompts = new ArrayList<>(inFileOrder(data));
        prompts.sort(Comparator.comparing(Prompt::id));
        return prompts;
    }

    /**
     * The test-split chat prompts as requests, in file order: the prompts the shipped predictor never trained on. Each
     * request's output is the prompt's first sampled answer (one real generation, with the sampling spread a server
     * sees), censored when it ran away; its prompt length is {@code input_size} (Llama-3 tokens with the chat template).
     */
    public static List<LengthSample> chatTestRequests(DataFiles data) {
        return inFileOrder(data).stream().filter(p -> p.split().equals("test") && p.chat())
                .map(p -> new LengthSample("castillo-" + p.id(), p.inputTokens(), p.outputLengths()[0], p.text(),
                        p.outputLengths()[0] >= RUNAWAY))
                .toList();
    }

    /** All prompts, in the file's order. */
    public static List<Prompt> inFileOrder(DataFiles data) {
        Path file = data.file(FILE);
        List<Prompt> prompts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode r = JSON.readTree(line);
                JsonNode sizes = r.path("output_sizes");
                int[] lengths = new int[sizes.size()];
                for (int i = 0; i < lengths.length; i++) {
                    lengths[i] = sizes.get(i).asInt();
                }
                prompts.add(new Prompt(r.path("prompt_id").asText(), r.path("dataset").asText(), r.path("split").asText(),
                        r.path("prompt").asText(), r.path("input_size").asInt(), lengths));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return List.copyOf(prompts);
    }
}
