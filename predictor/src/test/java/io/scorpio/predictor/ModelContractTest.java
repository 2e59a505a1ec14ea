package io.scorpio.predictor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract loader on the shipped folder and on broken copies of it (real files, real ONNX Runtime sessions). */
class ModelContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void theShippedFolderHonoursTheContract() {
        try (LengthPredictor p = LengthPredictor.open(ModelCatalog.defaultModelDir())) {
            assertEquals(ModelCatalog.DEFAULT_MODEL, p.card().name());
            assertEquals(100, p.binning().bins());
            assertEquals(2, p.card().stages().size());
            assertTrue(p.card().metrics().containsKey("model"));
        }
    }

    @Test
    void refusesAMissingFolderOrCard() throws IOException {
        assertRefused(temp.resolve("nowhere"), "does not exist");
        Files.createDirectories(temp.resolve("empty"));
        assertRefused(temp.resolve("empty"), "has no card.json");
    }

    @Test
    void refusesACardThatIsNotJson() throws IOException {
        Path dir = copyOfShipped(card -> { });
        Files.writeString(dir.resolve("card.json"), "{ \"contract\": ");
        assertRefused(dir, "is not a valid model card");
    }

    @Test
    void refusesAnotherContract() throws IOException {
        assertRefused(copyOfShipped(c -> c.put("contract", "something-else/9")), "\"contract\" must be");
    }

    @Test
    void refusesInconsistentBinning() throws IOException {
        assertRefused(copyOfShipped(c -> ((ObjectNode) c.get("binning")).put("bucketSize", 80)),
                "bucketSize must be ceil(8192 / 100) = 82");
        assertRefused(copyOfShipped(c -> ((ObjectNode) c.get("binning")).put("maxLength", 4096)),
                "maxLength must be 8192");
        assertRefused(copyOfShipped(c -> ((ObjectNode) c.get("binning")).put("kind", "log-scale")),
                "binning.kind must be");
        assertRefused(copyOfShipped(c -> {
            ObjectNode b = (ObjectNode) c.get("binning");
            b.put("kind", "equal-frequency");
            b.putArray("boundaries").add(0).add(10).add(8192);
        }), "boundaries must hold bins + 1 = 101 values");
    }

    @Test
    void refusesACardWithoutItsTrainingRecord() throws IOException {
        assertRefused(copyOfShipped(c -> ((ObjectNode) c.get("training")).remove("command")), "training.command");
        assertRefused(copyOfShipped(c -> c.remove("metrics")), "metrics.model");
    }

    @Test
    void refusesMissingOrAlteredFiles() throws IOException {
        Path missing = copyOfShipped(c -> { });
        Files.delete(missing.resolve("head.onnx"));
        assertRefused(missing, "file head.onnx does not exist");

        Path altered = copyOfShipped(c -> { });
        byte[] head = Files.readAllBytes(altered.resolve("head.onnx"));
        head[head.length - 1] ^= 1;
        Files.write(altered.resolve("head.onnx"), head);
        assertRefused(altered, "but the card declares");

        assertRefused(copyOfShipped(c -> stage(c, 1).put("path", "../../etc/passwd")), "leaves the model folder");
        assertRefused(copyOfShipped(c -> stage(c, 0).put("classpath", "no/such/model.onnx")),
                "classpath resource no/such/model.onnx not found");
    }

    @Test
    void refusesAFileThatIsNotOnnx() throws IOException {
        Path dir = copyOfShipped(c -> stage(c, 1).remove("sha256"));
        Files.writeString(dir.resolve("head.onnx"), "not a model");
        assertRefused(dir, "is not a loadable ONNX model");
    }

    @Test
    void refusesGraphsThatDoNotFitTogetherOrTheBinning() throws IOException {
        // the head alone: its hidden-state input comes from nowhere
        assertRefused(copyOfShipped(c -> ((ArrayNode) c.get("stages")).remove(0)), "needs an input");
        // a card that reads the length output as bin scores: 1 column, 100 bins
        assertRefused(copyOfShipped(c -> c.put("outputKind", ModelCard.OUTPUT_BIN_SCORES)),
                "has 1 classes but the card's binning has 100 bins");
        assertRefused(copyOfShipped(c -> c.put("outputKind", "probabilities")), "\"outputKind\" must be");
        assertRefused(copyOfShipped(c -> c.put("output", "logits")), "has no output \"logits\"");
    }

    private static ObjectNode stage(ObjectNode card, int index) {
        return (ObjectNode) card.get("stages").get(index).get("model");
    }

    private Path copyOfShipped(Consumer<ObjectNode> edit) throws IOException {
        Path shipped = ModelCatalog.defaultModelDir();
        Path dir = Files.createTempDirectory(temp, "model");
        Files.copy(shipped.resolve("head.onnx"), dir.resolve("head.onnx"));
        ObjectNode card = (ObjectNode) JSON.readTree(shipped.resolve("card.json").toFile());
        edit.accept(card);
        JSON.writeValue(dir.resolve("card.json").toFile(), card);
        return dir;
    }

    private static void assertRefused(Path dir, String expectedMessagePart) {
        ModelContractException e = assertThrows(ModelContractException.class, () -> LengthPredictor.open(dir).close());
        assertTrue(e.getMessage().contains(expectedMessagePart),
                () -> "message should contain [" + expectedMessagePart + "] but was: " + e.getMessage());
    }
}
