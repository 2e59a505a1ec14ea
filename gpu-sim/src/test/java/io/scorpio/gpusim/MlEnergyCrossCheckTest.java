package io.scorpio.gpusim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorpio.model.DataFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ML.ENERGY's decode TPOT includes prefill interference, so it bounds a pure decode step from above: at the
 * typical ShareGPT context lengths (256 to 1,024 tokens) the ground truth must sit below every measured A100 point,
 * and within a factor of 3 of it (a model far below would mean a GPU much faster than a real A100).
 */
class MlEnergyCrossCheckTest {

    @Test
    void theModelSitsBelowButNearTheMeasuredA100Tpot() {
        DataFiles data = DataFiles.resolve();
        List<MlEnergyCrossCheck.Row> rows =
                MlEnergyCrossCheck.compare(GpuProfile.load(GpuProfile.DEFAULT_NAME, data), data);
        assertEquals(6, rows.size(), "six A100 rows in the ML.ENERGY file");
        for (var r : rows) {
            double measured = r.measured().tpotMs();
            for (int i = 0; i < MlEnergyCrossCheck.CONTEXTS.length; i++) {
                assertTrue(r.model40Ms()[i] < measured, "model above the upper bound at batch "
                        + r.measured().avgBatch() + ", context " + MlEnergyCrossCheck.CONTEXTS[i]);
                assertTrue(r.model80Ms()[i] <= r.model40Ms()[i], "more bandwidth cannot be slower");
            }
            int last = MlEnergyCrossCheck.CONTEXTS.length - 1;
            assertTrue(r.model40Ms()[last] > measured / 3, "model implausibly far below the measurement at batch "
                    + r.measured().avgBatch());
        }
        System.out.print(MlEnergyCrossCheck.markdown(rows));
    }
}
