package io.scorpio.predictor;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.scorpio.predictor.binning.LengthBinning;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A model folder that passed the static part of the contract: its card parses and is complete, its binning is
 * consistent, and every file it names exists (in the folder, or on the classpath) with the declared SHA-256.
 * {@link LengthPredictor#open} then checks the ONNX graphs themselves.
 */
public record ModelFolder(Path dir, ModelCard card, LengthBinning binning, byte[] tokenizerJson, List<byte[]> stageModels) {

    /** Reads and checks a folder, or throws a {@link ModelContractException} that says what is wrong. */
    public static ModelFolder open(Path dir) {
        Path folder = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(folder)) {
            throw new ModelContractException("model folder " + folder + " does not exist");
        }
        Path cardFile = folder.resolve(ModelCard.FILE_NAME);
        if (!Files.isRegularFile(cardFile)) {
            throw new ModelContractException("model folder " + folder + " has no " + ModelCard.FILE_NAME);
        }
        ModelCard card;
        try {
            card = ModelCard.read(cardFile);
        } catch (JsonProcessingException e) {
            throw new ModelContractException(cardFile + " is not a valid model card: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelContractException("cannot read " + cardFile + ": " + e.getMessage(), e);
        }
        try {
            return check(folder, card);
        } catch (ModelContractException e) {
            throw new ModelContractException(cardFile + ": " + e.getMessage(), e);
        }
    }

    private static ModelFolder check(Path folder, ModelCard card) {
        if (!ModelCard.CONTRACT.equals(card.contract())) {
            throw new ModelContractException("\"contract\" must be \"" + ModelCard.CONTRACT + "\", got "
                    + (card.contract() == null ? "nothing" : "\"" + card.contract() + "\""));
        }
        require(card.name() != null && !card.name().isBlank(), "\"name\" is missing");
        require(card.maxInputTokens() >= 2, "\"maxInputTokens\" must be at least 2, got " + card.maxInputTokens());
        require(card.padTokenId() >= 0, "\"padTokenId\" must be >= 0, got " + card.padTokenId());
        require(card.tokenizer() != null, "\"tokenizer\" is missing");
        require(card.stages() != null && !card.stages().isEmpty(), "\"stages\" must list at least one ONNX graph");
        require(card.output() != null && !card.output().isBlank(), "\"output\" (the final tensor's name) is missing");
        require(card.outputKind() == null || ModelCard.OUTPUT_BIN_SCORES.equals(card.outputKind())
                        || ModelCard.OUTPUT_LENGTH.equals(card.outputKind()),
                "\"outputKind\" must be \"" + ModelCard.OUTPUT_BIN_SCORES + "\" or \"" + ModelCard.OUTPUT_LENGTH
                        + "\", got \"" + card.outputKind() + "\"");
        require(card.binning() != null, "\"binning\" is missing");
        LengthBinning binning = card.binning().toLengthBinning();
        require(card.training() != null, "\"training\" is missing");
        require(notBlank(card.training().data()), "\"training.data\" (what the model was trained on) is missing");
        require(notBlank(card.training().command()), "\"training.command\" (how to reproduce it) is missing");
        require(card.metrics() != null && card.metrics().containsKey("model"),
                "\"metrics.model\" (the measured metrics on the held-out split) is missing");

        byte[] tokenizer = resolve(folder, card.tokenizer(), "tokenizer");
        List<byte[]> models = new ArrayList<>();
        for (int i = 0; i < card.stages().size(); i++) {
            ModelCard.Stage stage = card.stages().get(i);
            require(stage != null && stage.model() != null, "stages[" + i + "].model is missing");
            models.add(resolve(folder, stage.model(), "stages[" + i + "] (" + stage.name() + ")"));
        }
        return new ModelFolder(folder, card, binning, tokenizer, List.copyOf(models));
    }

    /** The bytes of a referenced file, checked against its declared SHA-256. */
    public static byte[] resolve(Path folder, ModelCard.FileRef ref, String what) {
        byte[] bytes;
        if (notBlank(ref.path())) {
            Path file = folder.resolve(ref.path()).normalize();
            require(file.startsWith(folder), what + ": path " + ref.path() + " leaves the model folder");
            require(Files.isRegularFile(file), what + ": file " + ref.path() + " does not exist in " + folder);
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new ModelContractException(what + ": cannot read " + file + ": " + e.getMessage(), e);
            }
        } else if (notBlank(ref.classpath())) {
            bytes = readClasspath(ref, what);
        } else {
            throw new ModelContractException(what + ": give a \"path\" in the folder or a \"classpath\" resource");
        }
        if (notBlank(ref.sha256())) {
            String actual = sha256(bytes);
            require(actual.equalsIgnoreCase(ref.sha256()), what + ": " + ref.describe() + " has SHA-256 " + actual
                    + " but the card declares " + ref.sha256());
        }
        return bytes;
    }

    private static byte[] readClasspath(ModelCard.FileRef ref, String what) {
        String name = ref.classpath().startsWith("/") ? ref.classpath().substring(1) : ref.classpath();
        ClassLoader loader = Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : ModelFolder.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) {
                throw new ModelContractException(what + ": classpath resource " + name + " not found"
                        + (ref.maven() != null ? "; put the Maven artifact " + ref.maven() + " on the classpath" : ""));
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ModelContractException(what + ": cannot read classpath resource " + name + ": " + e.getMessage(), e);
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static void require(boolean ok, String problem) {
        if (!ok) {
            throw new ModelContractException(problem);
        }
    }
}
