package io.scorpio.predictor.training;

import io.scorpio.predictor.data.LengthCorpus;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The frozen encoder's features of every corpus row (sentence embedding + MiniLM token count), computed once and kept
 * in a file under target/ so that comparing heads does not re-encode 5,200 prompts. The file is keyed by the row ids;
 * a file for other rows is recomputed.
 */
public final class FeatureCache {

    private FeatureCache() {
    }

    /** One encoded row per corpus row, in order: read from {@code file} when it matches, else encoded and written. */
    public static MiniLmEncoder.Encoded[] load(List<LengthCorpus.Row> rows, Path file, MiniLmEncoder.Variant variant)
            throws IOException {
        if (Files.isRegularFile(file)) {
            MiniLmEncoder.Encoded[] cached = read(rows, file);
            if (cached != null) {
                return cached;
            }
        }
        MiniLmEncoder.Encoded[] out = new MiniLmEncoder.Encoded[rows.size()];
        long t0 = System.nanoTime();
        try (MiniLmEncoder encoder = new MiniLmEncoder(variant)) {
            for (int i = 0; i < rows.size(); i++) {
                out[i] = encoder.encode(rows.get(i).prompt());
                if ((i + 1) % 500 == 0) {
                    System.out.printf("encoded %d/%d prompts (%.0f s)%n", i + 1, rows.size(), (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        System.out.printf("encoded %d prompts in %.1f s%n", rows.size(), (System.nanoTime() - t0) / 1e9);
        Files.createDirectories(file.getParent());
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            o.writeInt(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                o.writeUTF(rows.get(i).id());
                o.writeInt(out[i].promptTokens());
                o.writeInt(out[i].embedding().length);
                for (float v : out[i].embedding()) {
                    o.writeFloat(v);
                }
            }
        }
        return out;
    }

    private static MiniLmEncoder.Encoded[] read(List<LengthCorpus.Row> rows, Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != rows.size()) {
                return null;
            }
            MiniLmEncoder.Encoded[] out = new MiniLmEncoder.Encoded[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                if (!in.readUTF().equals(rows.get(i).id())) {
                    return null;
                }
                int tokens = in.readInt();
                float[] e = new float[in.readInt()];
                for (int d = 0; d < e.length; d++) {
                    e[d] = in.readFloat();
                }
                out[i] = new MiniLmEncoder.Encoded(e, tokens);
            }
            return out;
        }
    }
}
