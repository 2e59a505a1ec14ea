package io.scorpio.gpusim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.DataFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuProfileTest {

    @TempDir
    Path dataFolder;

    @Test
    void anUnknownProfileNameIsRefusedByName() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> GpuProfile.load("h100-imaginary", DataFiles.bundled()));
        assertTrue(e.getMessage().contains("h100-imaginary"));
    }

    @Test
    void theDefaultProfileReadsItsMeasuredTableFromTheBundledData() {
        GpuProfile p = GpuProfile.load(GpuProfile.DEFAULT_NAME, DataFiles.bundled());
        assertEquals(9.7630, p.linearTime().msAt(1), 1e-9, "the first row of the Vidur-derived table");
    }

    @Test
    void aTableInTheDataFolderReplacesTheBundledOne() throws IOException {
        Path csv = dataFolder.resolve("gpu-profiles/vidur_llama3_8b_a100/derived_tp1_linear_time_per_forward_ms.csv");
        Files.createDirectories(csv.getParent());
        Files.writeString(csv, "num_tokens,est_non_attention_ms_32_layers\n1,5.0\n1024,50.0\n");
        GpuProfile p = GpuProfile.load(GpuProfile.DEFAULT_NAME, DataFiles.overlaying(dataFolder));
        assertEquals(5.0, p.linearTime().msAt(1), 1e-12);
        assertEquals(50.0, p.linearTime().msAt(1024), 1e-12);
    }

    @Test
    void freeParametersAreValidated() {
        GpuProfile p = GpuProfile.load(GpuProfile.DEFAULT_NAME, DataFiles.resolve());
        assertThrows(IllegalArgumentException.class, () -> p.withNoiseSigma(-0.1));
        assertThrows(IllegalArgumentException.class, () -> p.withBandwidth(0));
        assertEquals(1555, p.withBandwidth(1555).hbmBandwidthGBps());
    }

    @Test
    void linearInterpolationExtendsTheLastSegmentBeyondTheTable() {
        var t = new LinearTimeTable(new int[] {1, 10, 20}, new double[] {1, 2, 4});
        assertEquals(1.0, t.msAt(1));
        assertEquals(1 + 4.0 / 9, t.msAt(5), 1e-12);
        assertEquals(3.0, t.msAt(15), 1e-12);
        assertEquals(6.0, t.msAt(30), 1e-12, "slope 0.2 ms/token past the last point");
        assertThrows(IllegalArgumentException.class, () -> new LinearTimeTable(new int[] {5, 5}, new double[] {1, 2}));
    }
}
