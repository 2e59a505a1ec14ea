package io.scorpio.predictor.training;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import org.tribuo.classification.Label;
import org.tribuo.math.la.DenseMatrix;

import java.util.List;

/**
 * Writes the classification head as an ONNX graph (opset 13) that takes the encoder's output, so that serving runs as
 * ONNX end to end:
 * <pre>
 * hidden states [B,T,384] (the encoder's output), attention_mask [B,T] (int64), prompt_tokens [B,1]
 *   -> masked mean over tokens -> L2 normalise            (the sentence embedding)
 *   -> concat log(1 + prompt_tokens)                        (385 features)
 *   -> (x - mean) / std                                     (training standardisation)
 *   -> Gemm(W, b) -> Softmax                                (Tribuo's linear model, over the bins seen in training)
 *   -> MatMul(one-hot [seen bins, N])                       -> bin_probabilities [B,N]
 * </pre>
 * Bins never seen in training get probability 0.
 */
public final class HeadGraph {

    public static final String OUTPUT = "bin_probabilities";
    static final int FLOAT = TensorProto.DataType.FLOAT.getNumber();
    static final int INT64 = TensorProto.DataType.INT64.getNumber();

    private HeadGraph() {
    }

    public static byte[] build(HeadTrainer.TrainedHead head, int bins, String hiddenStateName) {
        var model = head.model();
        int features = head.featureNames().size();
        DenseMatrix w = model.getWeightsCopy();
        var labels = model.getOutputIDInfo();
        int seen = labels.size();
        if (w.getDimension1Size() != seen || w.getDimension2Size() != features + 1) {
            throw new IllegalStateException("unexpected Tribuo weight shape " + w.getDimension1Size() + "x"
                    + w.getDimension2Size() + " for " + seen + " labels and " + features + " features (+ bias)");
        }
        var featureMap = model.getFeatureIDMap();
        float[] gemmW = new float[features * seen]; // [features, seen], row-major
        float[] gemmB = new float[seen];
        float[] oneHot = new float[seen * bins];    // [seen, bins]
        for (int k = 0; k < seen; k++) {
            Label label = labels.getOutput(k);
            int bin = Integer.parseInt(label.getLabel());
            oneHot[k * bins + bin] = 1f;
            for (int f = 0; f < features; f++) {
                int column = featureMap.get(head.featureNames().get(f)).getID();
                gemmW[f * seen + k] = (float) w.get(k, column);
            }
            gemmB[k] = (float) w.get(k, features);
        }

        var g = OnnxMl.GraphProto.newBuilder().setName("length-head");
        addPooledEmbedding(g, hiddenStateName);
        g.addOutput(value(OUTPUT, FLOAT, "batch", bins));

        g.addInitializer(floats("feature_mean", head.standardisation().mean(), features));
        g.addInitializer(floats("feature_std", head.standardisation().std(), features));
        g.addInitializer(floats("W", gemmW, features, seen));
        g.addInitializer(floats("b", gemmB, seen));
        g.addInitializer(floats("seen_to_bins", oneHot, seen, bins));

        g.addNode(node("Concat", List.of("embedding", "log_tokens"), "features", AttributeProto.newBuilder()
                .setName("axis").setType(AttributeProto.AttributeType.INT).setI(1).build()));
        g.addNode(node("Sub", List.of("features", "feature_mean"), "centred"));
        g.addNode(node("Div", List.of("centred", "feature_std"), "standardised"));
        g.addNode(node("Gemm", List.of("standardised", "W", "b"), "logits"));
        g.addNode(node("Softmax", List.of("logits"), "seen_probabilities", AttributeProto.newBuilder()
                .setName("axis").setType(AttributeProto.AttributeType.INT).setI(1).build()));
        g.addNode(node("MatMul", List.of("seen_probabilities", "seen_to_bins"), OUTPUT));

        return model(g, "Length classification head over " + bins + " bins; trained with Tribuo, see card.json");
    }

    /** A head's graph as an ONNX model file (IR 8, opset 13), as both heads are written. */
    static byte[] model(OnnxMl.GraphProto.Builder g, String docString) {
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setProducerName("scorpio-predictor")
                .setDomain("io.scorpio")
                .setModelVersion(1)
                .setDocString(docString)
                .setGraph(g)
                .build()
                .toByteArray();
    }

    /**
     * The encoder side of every head: the three inputs, mean pooling of the hidden states over the attention mask, L2
     * normalisation ({@code embedding}), and {@code log_tokens} = log(1 + prompt tokens), with the constants they use.
     * Called first, so each repeated field of the graph (inputs, initializers, nodes) starts with these in both heads;
     * protobuf writes fields in field-number order, so the bytes are what adding them inline gave.
     */
    static void addPooledEmbedding(OnnxMl.GraphProto.Builder g, String hiddenStateName) {
        g.addInput(value(hiddenStateName, FLOAT, "batch", "tokens", MiniLmEncoder.HIDDEN));
        g.addInput(value("attention_mask", INT64, "batch", "tokens"));
        g.addInput(value("prompt_tokens", FLOAT, "batch", 1));
        g.addInitializer(longs("axis1", new long[]{1}, 1));
        g.addInitializer(longs("axis2", new long[]{2}, 1));
        g.addInitializer(floats("eps_count", new float[]{1e-9f}));
        g.addInitializer(floats("eps_norm", new float[]{1e-12f}));
        g.addInitializer(floats("one", new float[]{1f}));
        g.addNode(node("Cast", List.of("attention_mask"), "mask", AttributeProto.newBuilder().setName("to")
                .setType(AttributeProto.AttributeType.INT).setI(FLOAT).build()));
        g.addNode(node("Unsqueeze", List.of("mask", "axis2"), "mask3"));
        g.addNode(node("Mul", List.of(hiddenStateName, "mask3"), "masked"));
        g.addNode(node("ReduceSum", List.of("masked", "axis1"), "summed", keepdims(0)));
        g.addNode(node("ReduceSum", List.of("mask", "axis1"), "count", keepdims(1)));
        g.addNode(node("Max", List.of("count", "eps_count"), "count_safe"));
        g.addNode(node("Div", List.of("summed", "count_safe"), "mean_pooled"));
        g.addNode(node("ReduceL2", List.of("mean_pooled"), "norm", keepdims(1), AttributeProto.newBuilder()
                .setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(1).build()));
        g.addNode(node("Max", List.of("norm", "eps_norm"), "norm_safe"));
        g.addNode(node("Div", List.of("mean_pooled", "norm_safe"), "embedding"));
        g.addNode(node("Add", List.of("prompt_tokens", "one"), "tokens_plus_one"));
        g.addNode(node("Log", List.of("tokens_plus_one"), "log_tokens"));
    }

    static AttributeProto keepdims(int keep) {
        return AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(keep).build();
    }

    static NodeProto node(String op, List<String> inputs, String output, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + output).addAllInput(inputs).addOutput(output);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        return n.build();
    }

    static ValueInfoProto value(String name, int type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                dim.setDimParam(s);
            } else {
                dim.setDimValue((Integer) d);
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape))).build();
    }

    static TensorProto floats(String name, float[] values, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        return t.build();
    }

    static TensorProto longs(String name, long[] values, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64);
        for (long d : dims) {
            t.addDims(d);
        }
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }
}
