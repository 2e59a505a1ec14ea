package io.scorpio.gpusim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.DataDirectory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuProfileTest {

    @TempDir
    Path emptyDataDir;

    @Test
    void anUnknownProfileNameIsRefusedByName() {
        var e = assertThrows(IllegalArgumentException.class, () -> GpuProfile.load("h100-imaginary", emptyDataDir));
        assertTrue(e.getMessage().contains("h100-imaginary"));
    }

    @Test
    void missingProfileDataNamesTheFileAndTheSetting() {
        var e = assertThrows(IllegalStateException.class,
                () -> GpuProfile.load(GpuProfile.DEFAULT_NAME, emptyDataDir));
        assertTrue(e.getMessage().contains("derived_tp1_linear_time_per_forward_ms.csv"), e.getMessage());
        assertTrue(e.getMessage().contains(DataDirectory.PROPERTY), e.getMessage());
    }

    @Test
    void freeParametersAreValidated() {
        GpuProfile p = GpuProfile.load(GpuProfile.DEFAULT_NAME, DataDirectory.resolve());
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
