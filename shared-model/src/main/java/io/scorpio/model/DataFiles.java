package io.scorpio.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The public data sets the project uses (GPU profiles, workload traces, prompts with answer lengths). They are
 * vendored into the modules that read them, as class-path resources under {@value #RESOURCE_ROOT}, each folder with
 * its licence and a README naming its source; so a fresh clone, a test and a shaded jar all find them with no
 * folder outside the repository.
 *
 * <p>An operator may put other data in front of the bundled copy: the system property {@value #PROPERTY} or the
 * environment variable {@value #ENV} (the property wins) names a folder, and a file there replaces the bundled file
 * of the same relative path (say, another GPU's linear-time table). A named folder that does not exist is an
 * error, never silently ignored.
 */
public final class DataFiles {

    public static final String PROPERTY = "scorpio.data.dir";
    public static final String ENV = "SCORPIO_DATA_DIR";
    /** Where the bundled data sits on the class path. */
    public static final String RESOURCE_ROOT = "datasets/";

    private static final DataFiles BUNDLED = new DataFiles(null);

    private final Path overlay;

    private DataFiles(Path overlay) {
        this.overlay = overlay;
    }

    /** The data this JVM is configured for: the bundled data, under the folder named by the settings if any. */
    public static DataFiles resolve() {
        return resolve(System.getProperty(PROPERTY), System.getenv(ENV));
    }

    /** Only the data bundled on the class path. */
    public static DataFiles bundled() {
        return BUNDLED;
    }

    /** The bundled data with the files of {@code folder} in front of it. */
    public static DataFiles overlaying(Path folder) {
        Objects.requireNonNull(folder, "folder");
        if (!Files.isDirectory(folder)) {
            throw new IllegalStateException("the data folder " + folder + " is not a directory");
        }
        return new DataFiles(folder.toAbsolutePath().normalize());
    }

    /** The resolution rule, with its inputs injected so that it can be tested. */
    static DataFiles resolve(String property, String env) {
        if (property != null && !property.isBlank()) {
            return overlaying(Path.of(property), "system property " + PROPERTY);
        }
        if (env != null && !env.isBlank()) {
            return overlaying(Path.of(env), "environment variable " + ENV);
        }
        return BUNDLED;
    }

    private static DataFiles overlaying(Path folder, String setting) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalStateException("the " + setting + " names " + folder + ", which is not a directory");
        }
        return overlaying(folder);
    }

    /**
     * A readable path to a data file, e.g. {@code "sharegpt-lengths/sharegpt_8k_filtered_stats_llama2_tokenizer.csv"}:
     * the overlay folder's file if it has one, else the bundled resource (a plain file in a build's classes folder,
     * a path inside the jar otherwise). Fails with a message naming what was looked for.
     */
    public Path file(String relative) {
        if (overlay != null) {
            Path p = overlay.resolve(relative);
            if (Files.exists(p)) {
                return p;
            }
        }
        URL url = Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader().getResource(RESOURCE_ROOT + relative)
                : null;
        if (url == null) {
            url = DataFiles.class.getClassLoader().getResource(RESOURCE_ROOT + relative);
        }
        if (url == null) {
            throw new IllegalStateException("data file " + relative + " is missing: it is not on the class path under "
                    + RESOURCE_ROOT + (overlay == null ? "" : " nor in the data folder " + overlay)
                    + " (is the module that bundles it a dependency?)");
        }
        return toPath(url);
    }

    /** A resource URL as a {@link Path}; a resource inside a jar gets the jar's zip file system, opened once. */
    private static synchronized Path toPath(URL url) {
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                try {
                    FileSystems.getFileSystem(uri);
                } catch (FileSystemNotFoundException notOpen) {
                    try {
                        FileSystems.newFileSystem(uri, Map.of());
                    } catch (FileSystemAlreadyExistsException raced) {
                        // opened by someone else in between: Path.of finds it
                    }
                }
            }
            return Path.of(uri);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad resource URL " + url, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the jar holding " + url, e);
        }
    }

    @Override
    public String toString() {
        return overlay == null ? "bundled data" : "data in " + overlay + " over the bundled data";
    }
}
