package io.scorpio.gpusim;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Noisy step times: the ground truth's expectation times a lognormal factor {@code exp(sigma*Z - sigma^2/2)}, whose
 * mean is exactly 1, so the noise widens the spread without biasing the mean a fitted model should recover.
 * Seeded, so a simulation run is reproducible; not thread-safe (one sampler per simulated worker).
 */
public final class StepTimeSampler {

    private final GroundTruthStepTime truth;
    private final double sigma;
    private final SplittableRandom random;

    public StepTimeSampler(GroundTruthStepTime truth, long seed) {
        this.truth = Objects.requireNonNull(truth, "truth");
        this.sigma = truth.profile().noiseSigma();
        this.random = new SplittableRandom(seed);
    }

    public GroundTruthStepTime truth() {
        return truth;
    }

    public double prefillMs(int[] promptTokensPerSeq) {
        return truth.prefillMs(promptTokensPerSeq) * nextFactor();
    }

    public double decodeMs(int[] contextLengthsPerSeq) {
        return truth.decodeMs(contextLengthsPerSeq) * nextFactor();
    }

    public double mixedMs(int[] decodeContexts, int[] chunkPrefix, int[] chunkTokens) {
        return truth.mixedMs(decodeContexts, chunkPrefix, chunkTokens) * nextFactor();
    }

    /** The next multiplicative noise factor (mean 1; exactly 1 when sigma is 0). */
    public double nextFactor() {
        if (sigma == 0) {
            return 1.0;
        }
        return Math.exp(sigma * gaussian() - 0.5 * sigma * sigma);
    }

    /** Standard normal by Box-Muller, from the seeded stream only (Random.nextGaussian is not on SplittableRandom in 17). */
    private double gaussian() {
        double u1 = 1.0 - random.nextDouble(); // (0, 1], so log is finite
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
