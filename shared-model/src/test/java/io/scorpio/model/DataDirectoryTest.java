package io.scorpio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {

    @TempDir
    Path root;

    @Test
    void theSystemPropertyWinsOverEverythingElse() throws IOException {
        Path fromProperty = Files.createDirectories(root.resolve("p"));
        Path fromEnv = Files.createDirectories(root.resolve("e"));
        assertEquals(fromProperty, DataDirectory.resolve(fromProperty.toString(), fromEnv.toString(), root));
    }

    @Test
    void theEnvironmentVariableWinsOverTheDefault() throws IOException {
        Path fromEnv = Files.createDirectories(root.resolve("e"));
        Files.createDirectories(root.resolve("shared/data"));
        assertEquals(fromEnv, DataDirectory.resolve(null, fromEnv.toString(), root.resolve("x")));
    }

    @Test
    void anExplicitSettingThatIsWrongFailsAndNamesTheSetting() {
        var e = assertThrows(IllegalStateException.class,
                () -> DataDirectory.resolve(root.resolve("nope").toString(), null, root));
        assertTrue(e.getMessage().contains(DataDirectory.PROPERTY), e.getMessage());
        var e2 = assertThrows(IllegalStateException.class,
                () -> DataDirectory.resolve(null, root.resolve("nope").toString(), root));
        assertTrue(e2.getMessage().contains(DataDirectory.ENV), e2.getMessage());
    }

    @Test
    void theDefaultIsSharedDataNextToTheWorkingDirectory() throws IOException {
        Path data = Files.createDirectories(root.resolve("shared/data"));
        Path project = Files.createDirectories(root.resolve("project"));
        assertEquals(data, DataDirectory.resolve(null, null, project));
    }

    @Test
    void fromAModuleFolderItWalksUpToFindSharedData() throws IOException {
        Path data = Files.createDirectories(root.resolve("shared/data"));
        Path module = Files.createDirectories(root.resolve("project/services/gpu-sim"));
        assertEquals(data, DataDirectory.resolve(null, null, module));
    }

    @Test
    void withNoDataAnywhereTheErrorNamesBothSettings() throws IOException {
        Path module = Files.createDirectories(root.resolve("project/services/gpu-sim"));
        // Only meaningful when no real shared/data sits above the temp folder.
        if (DataDirectoryTest.hasSharedDataAbove(module)) {
            return;
        }
        var e = assertThrows(IllegalStateException.class, () -> DataDirectory.resolve(null, null, module));
        assertTrue(e.getMessage().contains(DataDirectory.PROPERTY) && e.getMessage().contains(DataDirectory.ENV),
                e.getMessage());
    }

    @Test
    void aMissingFileInsideTheDataDirectoryIsNamedInTheError() {
        var e = assertThrows(IllegalStateException.class, () -> DataDirectory.file(root, "gpu-profiles/x.csv"));
        assertTrue(e.getMessage().contains("gpu-profiles/x.csv") && e.getMessage().contains(DataDirectory.PROPERTY));
    }

    private static boolean hasSharedDataAbove(Path p) {
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isDirectory(q.resolve("shared/data"))) {
                return true;
            }
        }
        return false;
    }
}
