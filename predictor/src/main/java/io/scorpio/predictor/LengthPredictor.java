package io.scorpio.predictor;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.scorpio.predictor.binning.LengthBinning;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The output-length predictor: text in, predicted length bin and length out, run by ONNX Runtime from a model folder
 * that honours the contract of onnx-models/README.md. Thread-safe; one instance per process is enough.
 *
 * <pre>
 * try (LengthPredictor p = LengthPredictor.open(ModelCatalog.defaultModelDir())) {
 *     Prediction x = p.predict("Write a haiku about autumn.");
 * }
 * </pre>
 */
public final class LengthPredictor implements AutoCloseable {

    /** predictBatch runs larger lists in chunks of this size. */
    public static final int MAX_BATCH = 32;
    /** A group's padded size (batch x longest prompt) may exceed its real token count by at most this factor. */
    public static final double PADDING_SLACK = 1.25;
    /**
     * How ONNX Runtime runs the model. The service sets these from its configuration keys ({@code predictor.threads},
     * {@code predictor.spin}, {@code predictor.device}); nothing is read from system properties.
     *
     * @param threads intra-op threads; 0 lets ONNX Runtime choose; {@link #MODEL_CHOICE} takes the model's choice: 1 for
     *                a model that runs prompts one at a time (for one short prompt, splitting each operator over more
     *                threads costs more in hand-offs than it saves, and callers run in parallel instead), else 0
     * @param spin    whether ONNX Runtime's worker threads busy-wait between runs. Off by default: the predictor shares
     *                its cores with the service, which spinning would starve
     * @param device  where it runs: {@code auto} (CUDA when the GPU build has it and a GPU answers, else CPU), {@code cpu}
     *                or {@code cuda} (fails when CUDA cannot be used)
     */
    public record Options(int threads, boolean spin, String device) {

        public static final int MODEL_CHOICE = -1;
        public static final Options DEFAULTS = new Options(MODEL_CHOICE, false, "auto");

        public Options {
            if (threads < MODEL_CHOICE) {
                throw new IllegalArgumentException("threads must be >= 0, or " + MODEL_CHOICE + " for the model's choice, got "
                        + threads);
            }
            device = ExecutionDevice.checkRequest(device);
        }
    }

    private final ModelFolder folder;
    private final OrtEnvironment env;
    private final List<OrtSession> stages;
    private final PromptTokenizer tokenizer;
    private final ExecutionDevice device;

    private LengthPredictor(ModelFolder folder, OrtEnvironment env, List<OrtSession> stages, PromptTokenizer tokenizer,
                            ExecutionDevice device) {
        this.folder = folder;
        this.env = env;
        this.stages = stages;
        this.tokenizer = tokenizer;
        this.device = device;
    }

    /** {@link #open(Path, Options)} with {@link Options#DEFAULTS}. */
    public static LengthPredictor open(Path modelDir) {
        return open(modelDir, Options.DEFAULTS);
    }

    /** Opens a model folder, or throws a {@link ModelContractException} saying why it does not honour the contract. */
    public static LengthPredictor open(Path modelDir, Options runtime) {
        ModelFolder folder = ModelFolder.open(modelDir);
        OrtEnvironment env = OrtRuntime.environment();
        List<OrtSession> sessions = new ArrayList<>();
        PromptTokenizer tokenizer = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            int threads = runtime.threads() == Options.MODEL_CHOICE ? (folder.card().mayBatchPrompts() ? 0 : 1) : runtime.threads();
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            String spin = runtime.spin() ? "1" : "0";
            options.addConfigEntry("session.intra_op.allow_spinning", spin);
            options.addConfigEntry("session.inter_op.allow_spinning", spin);
            ExecutionDevice device = ExecutionDevice.configure(options, runtime.device());
            for (int i = 0; i < folder.stageModels().size(); i++) {
                try {
                    sessions.add(env.createSession(folder.stageModels().get(i), options));
                } catch (OrtException e) {
                    throw new ModelContractException(folder.dir() + ": stages[" + i + "] ("
                            + folder.card().stages().get(i).name() + ") is not a loadable ONNX model: " + e.getMessage(), e);
                }
            }
            checkWiring(folder, sessions);
            tokenizer = new PromptTokenizer(folder.tokenizerJson(), folder.card().maxInputTokens());
            return new LengthPredictor(folder, env, List.copyOf(sessions), tokenizer, device);
        } catch (OrtException e) {
            closeAll(sessions);
            throw new IllegalStateException("ONNX Runtime failed to start: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(sessions);
            if (tokenizer != null) {
                tokenizer.close();
            }
            throw e;
        }
    }

    /** Every stage input must be a provided tensor or an earlier stage's output; the last stage gives [B, bins]. */
    private static void checkWiring(ModelFolder folder, List<OrtSession> sessions) throws OrtException {
        String where = folder.dir() + ": ";
        Set<String> available = new HashSet<>(ModelCard.PROVIDED_INPUTS);
        for (int i = 0; i < sessions.size(); i++) {
            OrtSession s = sessions.get(i);
            for (Map.Entry<String, NodeInfo> in : s.getInputInfo().entrySet()) {
                String name = in.getKey();
                if (!available.contains(name)) {
                    throw new ModelContractException(where + "stages[" + i + "] needs an input \"" + name
                            + "\" that neither the predictor " + ModelCard.PROVIDED_INPUTS + " nor an earlier stage provides");
                }
                if (ModelCard.PROVIDED_INPUTS.contains(name) && in.getValue().getInfo() instanceof TensorInfo t) {
                    OnnxJavaType want = name.equals("prompt_tokens") ? OnnxJavaType.FLOAT : OnnxJavaType.INT64;
                    if (t.type != want) {
                        throw new ModelContractException(where + "stages[" + i + "] input \"" + name + "\" must be "
                                + want + ", the graph has " + t.type);
                    }
                }
            }
            available.addAll(s.getOutputNames());
        }
        OrtSession last = sessions.get(sessions.size() - 1);
        String output = folder.card().output();
        NodeInfo info = last.getOutputInfo().get(output);
        if (info == null) {
            throw new ModelContractException(where + "the last stage has no output \"" + output + "\" (it has "
                    + last.getOutputNames() + ")");
        }
        if (!(info.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT || t.getShape().length != 2) {
            throw new ModelContractException(where + "output \"" + output + "\" must be a float tensor [batch, bins], got "
                    + info.getInfo());
        }
        long bins = t.getShape()[1];
        if (folder.card().predictsLength()) {
            if (bins != -1 && bins != 1) {
                throw new ModelContractException(where + "output \"" + output + "\" must be a length [batch, 1] (outputKind "
                        + ModelCard.OUTPUT_LENGTH + "), got " + bins + " columns");
            }
        } else if (bins != -1 && bins != folder.binning().bins()) {
            throw new ModelContractException(where + "output \"" + output + "\" has " + bins
                    + " classes but the card's binning has " + folder.binning().bins() + " bins");
        }
    }

    public Prediction predict(String text) {
        return predictBatch(List.of(text)).get(0);
    }

    /**
     * One prediction per text, in order. Equal to one-by-one predictions; faster for many texts. A length model's
     * length is rounded and kept in [1, maxLength - 1]; its bin is the binning's bin of that length. A bin-score
     * model's prediction is the arg-max bin and the bin's midpoint.
     */
    public List<Prediction> predictBatch(List<String> texts) {
        List<Prediction> out = new ArrayList<>(texts.size());
        for (float[] row : binScores(texts)) {
            if (folder.card().predictsLength()) {
                int length = lengthOf(row[0]);
                out.add(new Prediction(folder.binning().binOf(length), length));
            } else {
                int bin = argMax(row);
                out.add(new Prediction(bin, folder.binning().predictedLength(bin)));
            }
        }
        return out;
    }

    /** A length output as a whole number of tokens in [1, maxLength - 1] (NaN, which no sane graph gives, as 1). */
    static int lengthOf(float value) {
        if (Float.isNaN(value)) {
            return 1;
        }
        return (int) Math.max(1, Math.min(LengthBinning.MAX_LENGTH - 1, Math.round((double) value)));
    }

    /**
     * The model's raw output rows, one per text: per-bin scores (probabilities or logits), or for a length model
     * ({@code outputKind} "length") one value, the length in tokens.
     * Texts are tokenized, ordered by token count and run in groups of similar length (at most {@link #MAX_BATCH},
     * padding at most {@link #PADDING_SLACK} times the real tokens), so that a short prompt is not padded to a long one;
     * a model whose card says {@code batchPrompts: false} runs each prompt alone.
     */
    public float[][] binScores(List<String> texts) {
        int n = texts.size();
        List<PromptTokenizer.TokenizedPrompt> prompts = new ArrayList<>(n);
        for (String text : texts) {
            prompts.add(tokenizer.tokenize(text == null ? "" : text));
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> prompts.get(i).ids().length));
        float[][] out = new float[n][];
        int start = 0;
        int maxGroup = folder.card().mayBatchPrompts() ? MAX_BATCH : 1;
        while (start < n) {
            int end = start + 1;
            long realTokens = prompts.get(order[start]).ids().length;
            while (end < n && end - start < maxGroup) {
                int len = prompts.get(order[end]).ids().length;
                if ((long) (end - start + 1) * len > PADDING_SLACK * (realTokens + len)) {
                    break;
                }
                realTokens += len;
                end++;
            }
            List<PromptTokenizer.TokenizedPrompt> group = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                group.add(prompts.get(order[k]));
            }
            float[][] scores = run(group);
            for (int k = start; k < end; k++) {
                out[order[k]] = scores[k - start];
            }
            start = end;
        }
        return out;
    }

    /** Runs one padded batch through the stages. */
    private float[][] run(List<PromptTokenizer.TokenizedPrompt> prompts) {
        int batch = prompts.size();
        int width = 1;
        for (PromptTokenizer.TokenizedPrompt p : prompts) {
            width = Math.max(width, p.ids().length);
        }
        long[][] ids = new long[batch][width];
        long[][] mask = new long[batch][width];
        long[][] types = new long[batch][width];
        float[][] promptTokens = new float[batch][1];
        for (int b = 0; b < batch; b++) {
            long[] row = prompts.get(b).ids();
            java.util.Arrays.fill(ids[b], folder.card().padTokenId());
            System.arraycopy(row, 0, ids[b], 0, row.length);
            java.util.Arrays.fill(mask[b], 0, row.length, 1L);
            promptTokens[b][0] = prompts.get(b).fullTokenCount();
        }
        Map<String, OnnxTensor> tensors = new HashMap<>();
        List<AutoCloseable> toClose = new ArrayList<>();
        try {
            tensors.put("input_ids", OnnxTensor.createTensor(env, ids));
            tensors.put("attention_mask", OnnxTensor.createTensor(env, mask));
            tensors.put("token_type_ids", OnnxTensor.createTensor(env, types));
            tensors.put("prompt_tokens", OnnxTensor.createTensor(env, promptTokens));
            toClose.addAll(tensors.values());
            for (OrtSession stage : stages) {
                Map<String, OnnxTensor> inputs = new HashMap<>();
                for (String name : stage.getInputNames()) {
                    inputs.put(name, tensors.get(name));
                }
                OrtSession.Result result = stage.run(inputs);
                toClose.add(result);
                for (Map.Entry<String, OnnxValue> e : result) {
                    if (e.getValue() instanceof OnnxTensor t) {
                        tensors.put(e.getKey(), t);
                    }
                }
            }
            return (float[][]) tensors.get(folder.card().output()).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed to run the length predictor: " + e.getMessage(), e);
        } finally {
            closeAll(toClose);
        }
    }

    /** The first index of the largest value. */
    static int argMax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * How many callers can usefully run this predictor at once: the cores for a prompt-at-a-time model (each run
     * uses one thread), else 1 (one batched run already uses ONNX Runtime's threads).
     */
    public int usefulParallelRuns() {
        return folder.card().mayBatchPrompts() ? 1 : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public ModelCard card() {
        return folder.card();
    }

    public LengthBinning binning() {
        return folder.binning();
    }

    public ExecutionDevice device() {
        return device;
    }

    public Path modelDir() {
        return folder.dir();
    }

    @Override
    public void close() {
        closeAll(stages);
        tokenizer.close();
    }

    private static void closeAll(List<? extends AutoCloseable> closeables) {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing native handles; nothing useful to do on failure
            }
        }
    }
}
