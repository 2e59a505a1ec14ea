package io.scorpio.predictor.training;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The exported ONNX head computes what the Java head computes, on rows with padding. */
class RegressionHeadGraphTest {

    @Test
    void theOnnxHeadAgreesWithTheJavaHead() throws Exception {
        Random random = new Random(5);
        int dims = MiniLmEncoder.HIDDEN + RegressionFeatures.EXTRA;
        float[] mean = new float[dims];
        float[] std = new float[dims];
        float[] w = new float[dims];
        for (int d = 0; d < dims; d++) {
            mean[d] = (float) (0.05 * random.nextGaussian());
            std[d] = (float) (0.5 + random.nextDouble());
            w[d] = (float) (0.02 * random.nextGaussian());
        }
        mean[dims - 2] = 3f;
        mean[dims - 1] = 10f;
        for (boolean logTarget : new boolean[]{true, false}) {
            LinearHead head = new LinearHead(new HeadFeatures.Standardisation(mean, std), w,
                    logTarget ? 5.8f : 350f, logTarget, logTarget ? 1.1f : 1f, 8192);
            assertOnnxAgrees(head, random, logTarget ? " (log)" : "");
        }
    }

    @Test
    void theOnnxHeadWithAHiddenLayerAgreesWithTheJavaHead() throws Exception {
        Random random = new Random(6);
        int dims = MiniLmEncoder.HIDDEN + RegressionFeatures.EXTRA;
        int hidden = 24;
        float[] mean = new float[dims];
        float[] std = new float[dims];
        float[] w1 = new float[dims * hidden];
        for (int d = 0; d < dims; d++) {
            mean[d] = (float) (0.05 * random.nextGaussian());
            std[d] = (float) (0.5 + random.nextDouble());
        }
        mean[dims - 2] = 3f;
        mean[dims - 1] = 10f;
        for (int k = 0; k < w1.length; k++) {
            w1[k] = (float) (0.08 * random.nextGaussian());
        }
        float[] b1 = new float[hidden];
        float[] w2 = new float[hidden];
        for (int j = 0; j < hidden; j++) {
            b1[j] = (float) (0.1 * random.nextGaussian());
            w2[j] = (float) (0.1 * random.nextGaussian());
        }
        MlpHead head = new MlpHead(new HeadFeatures.Standardisation(mean, std), w1, b1, w2, 5.8f, 1.1f, 8192);
        assertOnnxAgrees(head, random, " (hidden layer)");
    }

    private static void assertOnnxAgrees(LengthHead head, Random random, String what) throws Exception {
        byte[] graph = RegressionHeadGraph.build(head, "last_hidden_state");

        int batch = 3;
        int[] realTokens = {7, 2, 5};
        int width = 7;
        float[][][] hidden = new float[batch][width][MiniLmEncoder.HIDDEN];
        long[][] mask = new long[batch][width];
        float[][] promptTokens = new float[batch][1];
        double[] expected = new double[batch];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < width; t++) {
                for (int d = 0; d < MiniLmEncoder.HIDDEN; d++) {
                    hidden[b][t][d] = (float) random.nextGaussian(); // padding rows hold noise too: it must be masked
                }
                mask[b][t] = t < realTokens[b] ? 1 : 0;
            }
            promptTokens[b][0] = realTokens[b] + 100 * b;
            float[][] real = java.util.Arrays.copyOf(hidden[b], realTokens[b]);
            float[] features = RegressionFeatures.of(new MiniLmEncoder.Encoded(
                    MiniLmEncoder.meanPoolNormalised(real), (int) promptTokens[b][0]));
            expected[b] = head.predictLength(features);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(graph, new OrtSession.SessionOptions());
             OnnxTensor h = OnnxTensor.createTensor(env, hidden);
             OnnxTensor m = OnnxTensor.createTensor(env, mask);
             OnnxTensor p = OnnxTensor.createTensor(env, promptTokens);
             OrtSession.Result r = session.run(Map.of("last_hidden_state", h, "attention_mask", m, "prompt_tokens", p))) {
            float[][] out = (float[][]) r.get(RegressionHeadGraph.OUTPUT).orElseThrow().getValue();
            for (int b = 0; b < batch; b++) {
                assertEquals(expected[b], out[b][0], 1e-4 * expected[b], "row " + b + what);
            }
        }
    }
}
