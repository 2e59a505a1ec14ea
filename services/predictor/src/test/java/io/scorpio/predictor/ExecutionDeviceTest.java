package io.scorpio.predictor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device choice with the CPU build of ONNX Runtime (the default classpath). */
class ExecutionDeviceTest {

    @AfterEach
    void reset() {
        System.clearProperty(ExecutionDevice.PROPERTY);
    }

    @Test
    void autoAndCpuRunOnCpu() {
        for (String setting : new String[]{"auto", "cpu"}) {
            System.setProperty(ExecutionDevice.PROPERTY, setting);
            try (LengthPredictor p = LengthPredictor.open(ModelCatalog.defaultModelDir())) {
                assertEquals(ExecutionDevice.CPU, p.device(), setting);
            }
        }
    }

    @Test
    void askingForCudaWithoutTheGpuBuildFailsClearly() {
        System.setProperty(ExecutionDevice.PROPERTY, "cuda");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LengthPredictor.open(ModelCatalog.defaultModelDir()).close());
        assertTrue(e.getMessage().contains("-Pcuda"), e.getMessage());
    }
}
