package io.scorpio.predictor;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.scorpio.predictor.binning.EqualFrequencyBinning;
import io.scorpio.predictor.binning.EqualWidthBinning;
import io.scorpio.predictor.binning.LengthBinning;
import io.scorpio.predictor.metrics.BinMetrics;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The card ({@code card.json}) of a model folder: what the files are, how to tokenize, how lengths are binned, what
 * the model was trained on and how, and what it measured. The full contract is in onnx-models/README.md.
 *
 * @param contract       always {@link #CONTRACT}
 * @param name           the folder's model name
 * @param description    one paragraph for humans
 * @param tokenizer      a HuggingFace tokenizer.json
 * @param maxInputTokens the model's input limit; longer prompts are truncated to it
 * @param padTokenId     the id used to pad a batch (its attention_mask is 0)
 * @param stages         ONNX graphs run in order, wired by tensor names (see {@link #PROVIDED_INPUTS})
 * @param output         the last stage's output: bin probabilities (or logits) [batch, bins], or with outputKind
 *                       "length" the predicted length in tokens [batch, 1]
 * @param outputKind     {@value #OUTPUT_BIN_SCORES} (the default when absent) or {@value #OUTPUT_LENGTH}
 * @param batchPrompts   whether several prompts may share one run (true when absent); false for graphs whose result
 *                       for a prompt depends on the other prompts of its run (dynamic activation quantization)
 * @param binning        the length binning the classifier was trained on
 * @param training       the data, split and command that made the model
 * @param metrics        measured metrics on the held-out split, by predictor name ("model" and any baselines)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelCard(String contract, String name, String description, FileRef tokenizer, int maxInputTokens,
                        int padTokenId, List<Stage> stages, String output, String outputKind, Boolean batchPrompts, Binning binning,
                        Training training,
                        Map<String, BinMetrics> metrics) {

    public static final String CONTRACT = "scorpio-length-predictor/1";
    public static final String FILE_NAME = "card.json";
    /** The output holds one score per bin; the prediction is the arg-max bin and its midpoint. */
    public static final String OUTPUT_BIN_SCORES = "bin-scores";
    /** The output holds the predicted length in tokens; the bin is the binning's bin of that length. */
    public static final String OUTPUT_LENGTH = "length";

    /** Tensors the predictor provides to the stages: int64 [B,T] ids, mask and token types (zeros), and float
     *  [B,1] prompt_tokens, the prompt's token count before truncation. */
    public static final List<String> PROVIDED_INPUTS =
            List.of("input_ids", "attention_mask", "token_type_ids", "prompt_tokens");

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * A file of the model: {@code path} inside the folder, or else a {@code classpath} resource (taken from the Maven
     * artifact {@code maven} at build time, so that large third-party files are not committed). {@code sha256},
     * when given, must match.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FileRef(String path, String classpath, String maven, String sha256) {
        public static FileRef inFolder(String path, String sha256) {
            return new FileRef(path, null, null, sha256);
        }

        public String describe() {
            return path != null ? path : "classpath:" + classpath + (maven != null ? " (from " + maven + ")" : "");
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Stage(String name, FileRef model) {
    }

    /**
     * The binning: kind "equal-width" (bucketSize = ceil(8192 / bins)) or "equal-frequency" (bins + 1 boundaries,
     * first 0, last 8192); maxLength is 8192.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Binning(String kind, int bins, Integer bucketSize, int maxLength, double[] boundaries) {

        public static Binning of(LengthBinning b) {
            if (b instanceof EqualWidthBinning w) {
                return new Binning(w.kind(), w.bins(), w.bucketSize(), LengthBinning.MAX_LENGTH, null);
            }
            EqualFrequencyBinning f = (EqualFrequencyBinning) b;
            return new Binning(f.kind(), f.bins(), null, LengthBinning.MAX_LENGTH, f.boundaries());
        }

        /** The binning this describes, or a {@link ModelContractException} saying what is wrong. */
        public LengthBinning toLengthBinning() {
            if (maxLength != LengthBinning.MAX_LENGTH) {
                throw new ModelContractException("binning.maxLength must be " + LengthBinning.MAX_LENGTH + ", got " + maxLength);
            }
            if (bins < 1) {
                throw new ModelContractException("binning.bins must be >= 1, got " + bins);
            }
            try {
                if (EqualWidthBinning.KIND.equals(kind)) {
                    EqualWidthBinning b = new EqualWidthBinning(bins);
                    if (bucketSize == null || bucketSize != b.bucketSize()) {
                        throw new ModelContractException("binning.bucketSize must be ceil(8192 / " + bins + ") = "
                                + b.bucketSize() + ", got " + bucketSize);
                    }
                    return b;
                }
                if (EqualFrequencyBinning.KIND.equals(kind)) {
                    if (boundaries == null || boundaries.length != bins + 1) {
                        throw new ModelContractException("binning.boundaries must hold bins + 1 = " + (bins + 1)
                                + " values, got " + (boundaries == null ? "none" : boundaries.length));
                    }
                    return new EqualFrequencyBinning(boundaries);
                }
            } catch (IllegalArgumentException e) {
                throw new ModelContractException("binning: " + e.getMessage(), e);
            }
            throw new ModelContractException("binning.kind must be \"" + EqualWidthBinning.KIND + "\" or \""
                    + EqualFrequencyBinning.KIND + "\", got " + (kind == null ? "nothing" : "\"" + kind + "\""));
        }
    }

    /** What the model was trained on and how; rows counts the train, validation and test splits. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Training(String data, String dataLicense, Map<String, Integer> rows, String split, String labels,
                           String method, String command, String notes) {
    }

    /** Whether the output is a length (else bin scores; a card without outputKind gives bin scores). */
    public boolean predictsLength() {
        return OUTPUT_LENGTH.equals(outputKind);
    }

    /** Whether prompts may share a run (absent: yes). */
    public boolean mayBatchPrompts() {
        return batchPrompts == null || batchPrompts;
    }

    public static ModelCard read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), ModelCard.class);
    }

    public void write(Path file) throws IOException {
        JSON.writeValue(file.toFile(), this);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
