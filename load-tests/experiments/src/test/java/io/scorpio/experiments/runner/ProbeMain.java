package io.scorpio.experiments.runner;

import io.scorpio.core.policy.Policy;
import io.scorpio.experiments.workload.*;
import io.scorpio.gpusim.GpuProfile;
import io.scorpio.model.DataDirectory;
import java.util.List;

public class ProbeMain {
    public static void main(String[] a) {
        var dir = DataDirectory.resolve();
        List<LengthSample> pool = ShareGptLengths.loadPaperFiltered(dir);
        GpuProfile gpu = GpuProfile.loadDefault();
        if (a.length >= 2) gpu = new GpuProfile(gpu.name(), gpu.layers(), gpu.attentionHeads(), gpu.kvHeads(), gpu.headDim(), gpu.bytesPerElement(), gpu.hbmBandwidthGBps(), Double.parseDouble(a[1]), gpu.prefillAttentionMsPerToken2(), Double.parseDouble(a[0]), a.length>2?Double.parseDouble(a[2]):gpu.stepOverheadPerSeqMs(), gpu.noiseSigma(), gpu.linearTime());
        long t0 = System.nanoTime();
        FittedModels fm = FittedModels.profile(gpu, pool, 42);
        System.out.println("fit " + fm.step() + "\n    " + fm.prefill() + " in " + (System.nanoTime()-t0)/1e9 + " s");
        var gen = WorkloadGenerator.paperDefaults();
        for (double qps : new double[]{5, 10, 15}) {
            var wl = PredictionSource.paperNoisy(42).apply(gen.poisson(pool, qps, 512, 42));
            StringBuilder sb = new StringBuilder("qps " + qps);
            for (Policy p : Policy.ALL) {
                var run = Simulation.run(wl, fm.setup(p, gpu, 42));
                sb.append(String.format("  %s %.2f/%.3f", p.name(), run.summary().goodput(), run.summary().adherence()));
            }
            System.out.println(sb);
        }
    }
}
