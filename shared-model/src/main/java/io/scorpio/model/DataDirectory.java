package io.scorpio.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the project's shared data sets live (the public traces, datasets and GPU profiles described in
 * {@code ../shared/data/README.md}). The data is never copied into the repository, so every module finds it
 * through this one resolver.
 *
 * <p>Order of precedence:
 * <ol>
 *   <li>the system property {@value #PROPERTY}, if set: used as given, and an error if it is not a directory;</li>
 *   <li>the environment variable {@value #ENV}, likewise;</li>
 *   <li>the default {@value #DEFAULT}, relative to the working directory; because Maven runs each module's tests
 *       with the module folder as the working directory, when the default is missing we walk up the parents of
 *       the working directory looking for a {@code shared/data} folder.</li>
 * </ol>
 * An explicit setting is never second-guessed: a wrong path fails loudly instead of silently falling back.
 */
public final class DataDirectory {

    public static final String PROPERTY = "scorpio.data.dir";
    public static final String ENV = "SCORPIO_DATA_DIR";
    public static final String DEFAULT = "../shared/data";

    private DataDirectory() {
    }

    /** The data directory, resolved from this JVM's settings and working directory. */
    public static Path resolve() {
        return resolve(System.getProperty(PROPERTY), System.getenv(ENV), Path.of("").toAbsolutePath());
    }

    /** A file or folder inside the data directory; fails with a message naming the settings when it is missing. */
    public static Path file(String relative) {
        return file(resolve(), relative);
    }

    /** A file or folder inside the given data directory; fails with a message naming the settings when missing. */
    public static Path file(Path dataDir, String relative) {
        Path p = dataDir.resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("data file " + p + " is missing; the data directory " + dataDir
                    + " does not hold " + relative + " (set -D" + PROPERTY + "=... or " + ENV
                    + " to the folder described by shared/data/README.md)");
        }
        return p;
    }

    /** The resolution rule itself, with its inputs injected so that it can be tested. */
    static Path resolve(String property, String env, Path workingDir) {
        Objects.requireNonNull(workingDir, "workingDir");
        if (property != null && !property.isBlank()) {
            return requireDirectory(Path.of(property), "system property " + PROPERTY);
        }
        if (env != null && !env.isBlank()) {
            return requireDirectory(Path.of(env), "environment variable " + ENV);
        }
        Path cwd = workingDir.toAbsolutePath().normalize();
        Path preferred = cwd.resolve(DEFAULT).normalize();
        if (Files.isDirectory(preferred)) {
            return preferred;
        }
        for (Path p = cwd; p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no data directory found: " + preferred + " does not exist and no parent of "
                + cwd + " holds shared/data; set the system property " + PROPERTY + " or the environment variable "
                + ENV + " to the folder described by shared/data/README.md");
    }

    private static Path requireDirectory(Path p, String setting) {
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("the " + setting + " names " + p + ", which is not a directory");
        }
        return p.toAbsolutePath().normalize();
    }
}
