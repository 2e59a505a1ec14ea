package io.scorpio.experiments.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small helpers shared by the dataset loaders. */
final class Datasets {

    private Datasets() {
    }

    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static void requireHeader(Path file, List<String> lines, String expected) {
        if (lines.isEmpty() || !lines.get(0).trim().equals(expected)) {
            throw new IllegalStateException(file + ": expected the header '" + expected + "', found '"
                    + (lines.isEmpty() ? "" : lines.get(0)) + "'");
        }
    }
}
