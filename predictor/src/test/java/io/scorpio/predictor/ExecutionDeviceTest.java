package io.scorpio.predictor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device choice with the CPU build of ONNX Runtime (the default classpath). */
class ExecutionDeviceTest {

    @Test
    void autoAndCpuRunOnCpu() {
        for (String setting : new String[]{"auto", "cpu", " CPU "}) {
            try (LengthPredictor p = LengthPredictor.open(ModelCatalog.defaultModelDir(),
                    new LengthPredictor.Options(LengthPredictor.Options.MODEL_CHOICE, false, setting))) {
                assertEquals(ExecutionDevice.CPU, p.device(), setting);
            }
        }
    }

    @Test
    void askingForCudaWithoutTheGpuBuildFailsClearly() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LengthPredictor.open(
                ModelCatalog.defaultModelDir(), new LengthPredictor.Options(1, false, "cuda")).close());
        assertTrue(e.getMessage().contains("-Pcuda"), e.getMessage());
    }

    @Test
    void anUnknownDeviceOrThreadCountIsRefusedBeforeAnythingOpens() {
        IllegalArgumentException device = assertThrows(IllegalArgumentException.class,
                () -> new LengthPredictor.Options(0, false, "tpu"));
        assertTrue(device.getMessage().contains("auto, cpu or cuda"), device.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LengthPredictor.Options(-2, false, "cpu"));
    }
}
