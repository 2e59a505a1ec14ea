package io.scorpio.predictor.training;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;

import java.util.List;

import static io.scorpio.predictor.training.HeadGraph.FLOAT;
import static io.scorpio.predictor.training.HeadGraph.addPooledEmbedding;
import static io.scorpio.predictor.training.HeadGraph.floats;
import static io.scorpio.predictor.training.HeadGraph.model;
import static io.scorpio.predictor.training.HeadGraph.node;
import static io.scorpio.predictor.training.HeadGraph.value;

/**
 * Writes a {@link LengthHead} as an ONNX graph (opset 13) on the encoder's output, for a model card with outputKind
 * "length":
 * <pre>
 * hidden states [B,T,384], attention_mask [B,T] (int64), prompt_tokens [B,1]
 *   -> masked mean over tokens -> L2 normalise                  (the sentence embedding, as MiniLmEncoder)
 *   -> concat t, t*t with t = log(1 + prompt_tokens)             (RegressionFeatures)
 *   -> (x - mean) / std -> MatMul(w) + b                         (the linear score), or, for an {@link MlpHead},
 *      MatMul(W1) + b1 -> Relu -> MatMul(w2) + b2                  (the one-hidden-layer score)
 *   -> Exp (log-target heads) -> * scale -> Clip(1, maxLength-1) -> predicted_length [B,1]
 * </pre>
 */
public final class RegressionHeadGraph {

    public static final String OUTPUT = "predicted_length";

    private RegressionHeadGraph() {
    }

    public static byte[] build(LengthHead head, String hiddenStateName) {
        if (head instanceof MlpHead mlp) {
            return build(mlp, hiddenStateName);
        }
        return build((LinearHead) head, hiddenStateName);
    }

    public static byte[] build(LinearHead head, String hiddenStateName) {
        int features = head.weights().length;
        var g = OnnxMl.GraphProto.newBuilder().setName("length-regression-head");
        addPooledEmbedding(g, hiddenStateName);
        g.addOutput(value(OUTPUT, FLOAT, "batch", 1));

        addStandardisation(g, head.standardisation(), features);
        g.addInitializer(floats("w", head.weights(), features, 1));
        g.addInitializer(floats("b", new float[]{head.bias()}, 1));
        addLengthBounds(g, head.scale(), head.maxLength());

        addStandardisedFeatures(g);
        g.addNode(node("MatMul", List.of("standardised", "w"), "weighted"));
        g.addNode(node("Add", List.of("weighted", "b"), "score"));
        addLength(g, head.logTarget());

        return model(g, "Output-length regression head (" + (head.logTarget() ? "log length" : "length")
                        + "); see card.json");
    }

    public static byte[] build(MlpHead head, String hiddenStateName) {
        int features = head.standardisation().mean().length;
        int hidden = head.hidden();
        var g = OnnxMl.GraphProto.newBuilder().setName("length-mlp-head");
        addPooledEmbedding(g, hiddenStateName);
        g.addOutput(value(OUTPUT, FLOAT, "batch", 1));

        addStandardisation(g, head.standardisation(), features);
        g.addInitializer(floats("W1", head.w1(), features, hidden));
        g.addInitializer(floats("b1", head.b1(), hidden));
        g.addInitializer(floats("w2", head.w2(), hidden, 1));
        g.addInitializer(floats("b2", new float[]{head.b2()}, 1));
        addLengthBounds(g, head.scale(), head.maxLength());

        addStandardisedFeatures(g);
        g.addNode(node("MatMul", List.of("standardised", "W1"), "hidden_weighted"));
        g.addNode(node("Add", List.of("hidden_weighted", "b1"), "hidden_pre"));
        g.addNode(node("Relu", List.of("hidden_pre"), "hidden"));
        g.addNode(node("MatMul", List.of("hidden", "w2"), "weighted"));
        g.addNode(node("Add", List.of("weighted", "b2"), "score"));
        addLength(g, true);

        return model(g, "Output-length head with one hidden layer (" + hidden + " ReLU units, log length); see card.json");
    }

    // The parts both heads share, in the order both graphs always had them (so a retrained head's bytes do not change).

    private static void addStandardisation(OnnxMl.GraphProto.Builder g, HeadFeatures.Standardisation std, int features) {
        g.addInitializer(floats("feature_mean", std.mean(), features));
        g.addInitializer(floats("feature_std", std.std(), features));
    }

    private static void addLengthBounds(OnnxMl.GraphProto.Builder g, float scale, int maxLength) {
        g.addInitializer(floats("scale", new float[]{scale}, 1));
        g.addInitializer(floats("min_length", new float[]{1f}));
        g.addInitializer(floats("max_length", new float[]{maxLength - 1f}));
    }

    /** features = [embedding, ln tokens, ln tokens squared], standardised. */
    private static void addStandardisedFeatures(OnnxMl.GraphProto.Builder g) {
        g.addNode(node("Mul", List.of("log_tokens", "log_tokens"), "log_tokens_squared"));
        g.addNode(node("Concat", List.of("embedding", "log_tokens", "log_tokens_squared"), "features",
                AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1).build()));
        g.addNode(node("Sub", List.of("features", "feature_mean"), "centred"));
        g.addNode(node("Div", List.of("centred", "feature_std"), "standardised"));
    }

    /** length = clip(scale * (exp(score) or score), 1, maxLength - 1). */
    private static void addLength(OnnxMl.GraphProto.Builder g, boolean logTarget) {
        String unscaled = "score";
        if (logTarget) {
            g.addNode(node("Exp", List.of("score"), "exp_score"));
            unscaled = "exp_score";
        }
        g.addNode(node("Mul", List.of(unscaled, "scale"), "length"));
        g.addNode(node("Clip", List.of("length", "min_length", "max_length"), OUTPUT));
    }
}
