package io.scorpio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data comes from the class path (a fresh clone has nothing else); a named folder may replace single files. */
class DataFilesTest {

    @TempDir
    Path root;

    @Test
    void withNoSettingOnlyTheBundledDataIsUsed() {
        assertSame(DataFiles.bundled(), DataFiles.resolve(null, null));
        assertSame(DataFiles.bundled(), DataFiles.resolve(" ", ""));
    }

    @Test
    void aBundledFileIsReadFromTheClassPath() throws IOException {
        Path p = DataFiles.bundled().file("example/greeting.txt");
        assertEquals("bundled\n", Files.readString(p));
    }

    @Test
    void aBundledFileInsideAJarIsReadThroughTheJarsFileSystem() throws Exception {
        Path jar = root.resolve("data.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry(DataFiles.RESOURCE_ROOT + "in-jar/rows.csv"));
            j.write("a,b\n1,2\n".getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
        }
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            t.setContextClassLoader(loader);
            Path p = DataFiles.bundled().file("in-jar/rows.csv");
            assertEquals("jar", p.toUri().getScheme());
            assertEquals(List.of("a,b", "1,2"), Files.readAllLines(p));
            // A second lookup finds the jar's file system already open.
            assertEquals(p, DataFiles.bundled().file("in-jar/rows.csv"));
        } finally {
            t.setContextClassLoader(before);
        }
    }

    @Test
    void aFileInTheOverlayFolderReplacesTheBundledOneAndTheRestStillComesFromTheClassPath() throws IOException {
        Files.createDirectories(root.resolve("mine/example"));
        Files.writeString(root.resolve("mine/example/greeting.txt"), "mine\n");
        DataFiles data = DataFiles.resolve(root.resolve("mine").toString(), null);
        assertEquals("mine\n", Files.readString(data.file("example/greeting.txt")));

        DataFiles empty = DataFiles.overlaying(Files.createDirectories(root.resolve("empty")));
        assertEquals("bundled\n", Files.readString(empty.file("example/greeting.txt")));
    }

    @Test
    void theSystemPropertyWinsOverTheEnvironmentVariable() throws IOException {
        Files.createDirectories(root.resolve("p/example"));
        Files.createDirectories(root.resolve("e/example"));
        Files.writeString(root.resolve("p/example/greeting.txt"), "property\n");
        Files.writeString(root.resolve("e/example/greeting.txt"), "env\n");
        DataFiles both = DataFiles.resolve(root.resolve("p").toString(), root.resolve("e").toString());
        assertEquals("property\n", Files.readString(both.file("example/greeting.txt")));
        DataFiles env = DataFiles.resolve(null, root.resolve("e").toString());
        assertEquals("env\n", Files.readString(env.file("example/greeting.txt")));
    }

    @Test
    void aSettingThatNamesNoFolderFailsLoudlyInsteadOfFallingBack() {
        var e = assertThrows(IllegalStateException.class,
                () -> DataFiles.resolve(root.resolve("nope").toString(), null));
        assertTrue(e.getMessage().contains(DataFiles.PROPERTY), e.getMessage());
        var e2 = assertThrows(IllegalStateException.class,
                () -> DataFiles.resolve(null, root.resolve("nope").toString()));
        assertTrue(e2.getMessage().contains(DataFiles.ENV), e2.getMessage());
    }

    @Test
    void aMissingFileIsNamedInTheError() {
        var e = assertThrows(IllegalStateException.class, () -> DataFiles.bundled().file("gpu-profiles/x.csv"));
        assertTrue(e.getMessage().contains("gpu-profiles/x.csv"), e.getMessage());
    }
}
