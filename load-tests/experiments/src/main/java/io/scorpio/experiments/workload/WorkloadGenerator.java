package io.scorpio.experiments.workload;

import io.scorpio.model.LengthSample;
import io.scorpio.model.SloClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/**
 * Turns length samples into timed requests, reproducibly: the same inputs and seed give the same workload.
 *
 * <p>Randomness is split into independent streams (which samples, arrival gaps, SLO classes), so that, for example,
 * changing the QPS changes the arrival times but not which requests are drawn or which SLO each one gets: a QPS
 * sweep then compares the same requests under different loads.
 */
public final class WorkloadGenerator {

    /** Requests per QPS point in the paper's sweeps. */
    public static final int PAPER_REQUESTS = 512;
    /**
     * max_tokens given to every request (what the scheduler assumes without a prediction): the paper's filter caps
     * prompt + output at 2,048, so 2,048 is the largest output any kept request could have. Raised to the true
     * output where that is longer (unfiltered datasets), since the output is forced.
     */
    public static final int DEFAULT_MAX_TOKENS = 2048;

    private final List<SloClass> sloClasses;
    private final int maxTokens;

    public WorkloadGenerator(List<SloClass> sloClasses, int maxTokens) {
        this.sloClasses = List.copyOf(Objects.requireNonNull(sloClasses, "sloClasses"));
        if (this.sloClasses.isEmpty()) {
            throw new IllegalArgumentException("need at least one SLO class");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1");
        }
        this.maxTokens = maxTokens;
    }

    /** The paper's setting: Table 1 classes for Llama-3.1-8B, max_tokens 2,048. */
    public static WorkloadGenerator paperDefaults() {
        return new WorkloadGenerator(SloClass.LLAMA_3_1_8B, DEFAULT_MAX_TOKENS);
    }

    /**
     * {@code count} requests drawn from {@code pool} with Poisson arrivals at {@code qps} requests per second.
     * Samples are drawn without replacement while the pool lasts (a uniformly random subset in random order), with
     * replacement beyond that. The first request arrives after one exponential gap (a Poisson process started at 0).
     * Each request's SLO class is drawn uniformly.
     */
    public List<WorkloadRequest> poisson(List<LengthSample> pool, double qps, int count, long seed) {
        if (pool.isEmpty()) {
            throw new IllegalArgumentException("empty sample pool");
        }
        if (!(qps > 0) || !Double.isFinite(qps)) {
            throw new IllegalArgumentException("qps must be finite and positive: " + qps);
        }
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom pick = root.split();
        SplittableRandom gaps = root.split();
        SplittableRandom classes = root.split();
        List<LengthSample> chosen = draw(pool, count, pick);
        double meanGapMs = 1000.0 / qps;
        double t = 0;
        List<WorkloadRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            t += -meanGapMs * Math.log(1.0 - gaps.nextDouble()); // exponential gap; 1 - u in (0, 1]
            out.add(request(i, t, chosen.get(i), classes));
        }
        return List.copyOf(out);
    }

    /**
     * A trace replayed with its own arrival times and lengths (rows already selected, e.g. the first 20 minutes),
     * keeping the rows {@code filter} accepts; each kept request gets a uniformly drawn SLO class.
     */
    public List<WorkloadRequest> replay(List<AzureTrace.Row> rows, LengthFilter filter, long seed) {
        SplittableRandom classes = new SplittableRandom(seed).split();
        List<WorkloadRequest> out = new ArrayList<>();
        for (AzureTrace.Row r : rows) {
            if (!filter.accepts(r.promptTokens(), r.outputTokens())) {
                continue;
            }
            out.add(request(out.size(), r.arrivalMs(), r.sample("azure-"), classes));
        }
        return List.copyOf(out);
    }

    private WorkloadRequest request(int id, double arrivalMs, LengthSample s, SplittableRandom classes) {
        SloClass c = sloClasses.get(classes.nextInt(sloClasses.size()));
        return new WorkloadRequest(id, arrivalMs, s.promptTokens(), s.outputTokens(),
                Math.max(maxTokens, s.outputTokens()), c.slo(), c.name(), s.promptText(), OptionalInt.empty());
    }

    private static List<LengthSample> draw(List<LengthSample> pool, int count, SplittableRandom rnd) {
        int n = pool.size();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        List<LengthSample> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (i < n) {
                int j = i + rnd.nextInt(n - i); // partial Fisher-Yates: without replacement
                int tmp = idx[i];
                idx[i] = idx[j];
                idx[j] = tmp;
                out.add(pool.get(idx[i]));
            } else {
                out.add(pool.get(rnd.nextInt(n)));
            }
        }
        return out;
    }
}
