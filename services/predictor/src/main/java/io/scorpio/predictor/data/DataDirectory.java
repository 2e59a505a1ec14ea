package io.scorpio.predictor.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the project's shared data folder: the system property {@code scorpio.data.dir}, else the environment
 * variable {@code SCORPIO_DATA_DIR}, else {@code ../shared/data} relative to the working directory, else the first
 * {@code shared/data} found walking up from the working directory (tests run inside the module folder).
 */
public final class DataDirectory {

    public static final String PROPERTY = "scorpio.data.dir";
    public static final String ENV = "SCORPIO_DATA_DIR";

    private DataDirectory() {
    }

    public static Path locate() {
        List<Path> tried = new ArrayList<>();
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
        }
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) {
                return p;
            }
            throw new IllegalStateException("data directory " + p + " (from -D" + PROPERTY + " or $" + ENV
                    + ") does not exist");
        }
        Path cwd = Path.of("").toAbsolutePath();
        for (Path dir = cwd; dir != null; dir = dir.getParent()) {
            for (Path candidate : List.of(dir.resolve("../shared/data"), dir.resolve("shared/data"))) {
                Path p = candidate.normalize();
                tried.add(p);
                if (Files.isDirectory(p)) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("no shared data folder found; set -D" + PROPERTY + " or $" + ENV
                + " (tried " + tried + ")");
    }
}
