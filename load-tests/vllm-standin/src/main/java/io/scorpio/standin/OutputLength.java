package io.scorpio.standin;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Where a request without {@code ignore_eos} stops: a length drawn from the prompt itself, so that the same prompt
 * always gets the same answer length (runs repeat) while different prompts spread like chat answers do: lognormal
 * with a median of 300 tokens and sigma 0.8 (Llama-3.1-8B's chat answers in CASTILLO: median 388, p90 682).
 */
final class OutputLength {

    static final double MEDIAN = 300;
    static final double SIGMA = 0.8;

    private OutputLength() {
    }

    static int of(String prompt) {
        CRC32 crc = new CRC32();
        crc.update(prompt.getBytes(StandardCharsets.UTF_8));
        SplittableRandom random = new SplittableRandom(crc.getValue());
        // Box-Muller from two uniforms of the prompt's own generator.
        double u1 = Math.max(Double.MIN_VALUE, random.nextDouble());
        double z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.nextDouble());
        return (int) Math.max(1, Math.round(MEDIAN * Math.exp(SIGMA * z)));
    }
}
