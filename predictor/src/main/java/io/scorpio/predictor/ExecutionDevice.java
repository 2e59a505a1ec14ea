package io.scorpio.predictor;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;

import java.util.EnumSet;
import java.util.Locale;

/**
 * Where ONNX Runtime runs the model ({@link LengthPredictor.Options#device()}). {@code auto} (the default) tries the CUDA
 * execution provider when ONNX Runtime's GPU build is on the classpath (Maven profile {@code cuda}) and falls back to CPU when
 * no GPU answers; {@code cpu} forces CPU; {@code cuda} fails when CUDA cannot be used.
 */
public enum ExecutionDevice {
    CPU, CUDA;

    private static final System.Logger LOG = System.getLogger(ExecutionDevice.class.getName());

    /** A requested device, normalised: {@code auto}, {@code cpu} or {@code cuda}; anything else fails. */
    static String checkRequest(String requested) {
        String r = requested == null ? "auto" : requested.trim().toLowerCase(Locale.ROOT);
        if (!r.equals("auto") && !r.equals("cpu") && !r.equals("cuda")) {
            throw new IllegalArgumentException("the predictor's device must be auto, cpu or cuda, got '" + requested + "'");
        }
        return r;
    }

    /** Adds the chosen provider to the options and says which one it is. */
    static ExecutionDevice configure(OrtSession.SessionOptions options, String requested) {
        if (requested.equals("cpu")) {
            LOG.log(System.Logger.Level.INFO, "length predictor runs on CPU (device cpu requested)");
            return CPU;
        }
        EnumSet<OrtProvider> compiledIn = ai.onnxruntime.OrtEnvironment.getAvailableProviders();
        if (compiledIn.contains(OrtProvider.CUDA)) {
            try {
                options.addCUDA(0);
                LOG.log(System.Logger.Level.INFO, "length predictor runs on the CUDA execution provider (device 0)");
                return CUDA;
            } catch (OrtException e) {
                if (requested.equals("cuda")) {
                    throw new IllegalStateException("CUDA execution provider requested but unusable: " + e.getMessage(), e);
                }
                LOG.log(System.Logger.Level.INFO, "length predictor runs on CPU: CUDA execution provider unusable ("
                        + e.getMessage() + ")");
                return CPU;
            }
        }
        if (requested.equals("cuda")) {
            throw new IllegalStateException("CUDA execution provider requested, but this ONNX Runtime build has none "
                    + "(build with the Maven profile -Pcuda to get onnxruntime_gpu)");
        }
        LOG.log(System.Logger.Level.INFO, "length predictor runs on CPU (this ONNX Runtime build has no CUDA provider)");
        return CPU;
    }
}
