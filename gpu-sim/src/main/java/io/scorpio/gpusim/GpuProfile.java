package io.scorpio.gpusim;

import io.scorpio.model.DataFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;

/**
 * Everything the ground-truth step-time model knows about one model on one GPU, loaded from
 * {@code profiles/<name>.properties} on the classpath plus the measured linear-layer table from the bundled data ({@link DataFiles}).
 * The properties file says where each number came from and which ones are free (to be calibrated).
 *
 * @param name                       profile name, e.g. {@value #DEFAULT_NAME}
 * @param layers                     transformer layers
 * @param attentionHeads             query heads (for the prefill FLOP count; documentation only here)
 * @param kvHeads                    key/value heads (grouped-query attention)
 * @param headDim                    dimension of one head
 * @param bytesPerElement            bytes of one KV element (2 for fp16/bf16)
 * @param hbmBandwidthGBps           peak memory bandwidth, GB/s (10^9 bytes per second)
 * @param decodeAttentionEfficiency  fraction of peak bandwidth achieved reading the KV cache in decode [free]
 * @param prefillAttentionMsPerToken2 prefill attention time per squared prompt token, ms [free]
 * @param stepOverheadMs             fixed per-step overhead (scheduler, sampling, launches), ms [free]
 * @param stepOverheadPerSeqMs       per-sequence overhead within a step, ms [free]
 * @param noiseSigma                 sigma of the log of the multiplicative step-time noise [free]
 * @param linearTime                 measured non-attention time of one forward pass vs tokens in the batch
 */
public record GpuProfile(
        String name,
        int layers,
        int attentionHeads,
        int kvHeads,
        int headDim,
        int bytesPerElement,
        double hbmBandwidthGBps,
        double decodeAttentionEfficiency,
        double prefillAttentionMsPerToken2,
        double stepOverheadMs,
        double stepOverheadPerSeqMs,
        double noiseSigma,
        LinearTimeTable linearTime) {

    /** The default profile everywhere: Llama-3.1-8B on one A100-80GB. */
    public static final String DEFAULT_NAME = "llama-3.1-8b-a100";

    public GpuProfile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(linearTime, "linearTime");
        positive("layers", layers);
        positive("kvHeads", kvHeads);
        positive("attentionHeads", attentionHeads);
        positive("headDim", headDim);
        positive("bytesPerElement", bytesPerElement);
        positive("hbmBandwidthGBps", hbmBandwidthGBps);
        if (!(decodeAttentionEfficiency > 0 && decodeAttentionEfficiency <= 1)) {
            throw new IllegalArgumentException("decodeAttentionEfficiency must be in (0, 1]: " + decodeAttentionEfficiency);
        }
        nonNegative("prefillAttentionMsPerToken2", prefillAttentionMsPerToken2);
        nonNegative("stepOverheadMs", stepOverheadMs);
        nonNegative("stepOverheadPerSeqMs", stepOverheadPerSeqMs);
        nonNegative("noiseSigma", noiseSigma);
    }

    /** Bytes of KV cache per token: K and V, every layer, every KV head (131,072 for Llama-3.1-8B in fp16). */
    public long kvBytesPerToken() {
        return 2L * layers * kvHeads * headDim * bytesPerElement;
    }

    /** The default profile, with the data directory resolved by {@link DataFiles}. */
    public static GpuProfile loadDefault() {
        return load(DEFAULT_NAME, DataFiles.resolve());
    }

    /** Loads {@code profiles/<name>.properties} from the classpath; the linear-time CSV from {@code data}. */
    public static GpuProfile load(String name, DataFiles data) {
        String resource = "profiles/" + name + ".properties";
        Properties p = new Properties();
        try (InputStream in = GpuProfile.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no GPU profile named '" + name + "' (looked for " + resource + ")");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
        return fromProperties(p, data);
    }

    /** Builds a profile from already-loaded properties (the keys of the bundled profile files). */
    public static GpuProfile fromProperties(Properties p, DataFiles data) {
        Path csv = data.file(required(p, "linear.time.csv"));
        return new GpuProfile(
                required(p, "name"),
                Integer.parseInt(required(p, "model.layers")),
                Integer.parseInt(required(p, "model.attention.heads")),
                Integer.parseInt(required(p, "model.kv.heads")),
                Integer.parseInt(required(p, "model.head.dim")),
                Integer.parseInt(required(p, "model.bytes.per.element")),
                Double.parseDouble(required(p, "gpu.hbm.bandwidth.gbps")),
                Double.parseDouble(required(p, "decode.attention.efficiency")),
                Double.parseDouble(required(p, "prefill.attention.ms.per.token2")),
                Double.parseDouble(required(p, "step.overhead.ms")),
                Double.parseDouble(required(p, "step.overhead.per.seq.ms")),
                Double.parseDouble(required(p, "noise.sigma")),
                LinearTimeTable.readCsv(csv));
    }

    /** A copy with another bandwidth (e.g. the A100-40GB's 1,555 GB/s for the ML.ENERGY comparison). */
    public GpuProfile withBandwidth(double gbps) {
        return new GpuProfile(name, layers, attentionHeads, kvHeads, headDim, bytesPerElement, gbps,
                decodeAttentionEfficiency, prefillAttentionMsPerToken2, stepOverheadMs, stepOverheadPerSeqMs,
                noiseSigma, linearTime);
    }

    /** A copy with another noise level (0 for a deterministic worker in tests). */
    public GpuProfile withNoiseSigma(double sigma) {
        return new GpuProfile(name, layers, attentionHeads, kvHeads, headDim, bytesPerElement, hbmBandwidthGBps,
                decodeAttentionEfficiency, prefillAttentionMsPerToken2, stepOverheadMs, stepOverheadPerSeqMs,
                sigma, linearTime);
    }

    /** The free parameters together: what calibration against the paper's vLLM numbers may move. */
    public record FreeParameters(double decodeAttentionEfficiency, double prefillAttentionMsPerToken2,
                                 double stepOverheadMs, double stepOverheadPerSeqMs) {
    }

    public FreeParameters freeParameters() {
        return new FreeParameters(decodeAttentionEfficiency, prefillAttentionMsPerToken2, stepOverheadMs,
                stepOverheadPerSeqMs);
    }

    /** A copy with other free parameters; the measured facts stay as they are. */
    public GpuProfile withFreeParameters(FreeParameters f) {
        return new GpuProfile(name, layers, attentionHeads, kvHeads, headDim, bytesPerElement, hbmBandwidthGBps,
                f.decodeAttentionEfficiency(), f.prefillAttentionMsPerToken2(), f.stepOverheadMs(),
                f.stepOverheadPerSeqMs(), noiseSigma, linearTime);
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("GPU profile lacks the key '" + key + "'");
        }
        return v.trim();
    }

    private static void positive(String what, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and positive: " + v);
        }
    }

    private static void nonNegative(String what, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0: " + v);
        }
    }
}
