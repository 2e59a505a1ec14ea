package io.scorpio.standin;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The stand-in's settings, named as vLLM's {@code vllm serve} flags where vLLM has one.
 *
 * @param host                address to bind ({@code --host})
 * @param port                HTTP port, 0 picks a free one ({@code --port})
 * @param model               the served model name ({@code --served-model-name})
 * @param maxModelLen         longest prompt plus output accepted ({@code --max-model-len})
 * @param maxNumSeqs          requests running at once ({@code --max-num-seqs})
 * @param maxNumBatchedTokens tokens one step may hold, decodes and prompt chunks ({@code --max-num-batched-tokens})
 * @param kvBlocks            KV-cache blocks of 16 tokens (vLLM sizes this from GPU memory; 20,000 on the A100)
 * @param priority            {@code --scheduling-policy priority} (lower {@code priority} first) instead of {@code fcfs}
 * @param timeScale           multiplies every step's simulated duration (1 = real time)
 * @param seed                seeds the step-time noise
 * @param answerLengths       where known prompts stop without {@code ignore_eos}: the real model's answer lengths
 *                            ({@code --answer-lengths FILE}, no vLLM flag: a real vLLM's model decides); unknown
 *                            prompts keep a drawn length
 */
public record StandinOptions(String host, int port, String model, int maxModelLen, int maxNumSeqs,
                             int maxNumBatchedTokens, int kvBlocks, boolean priority, double timeScale, long seed,
                             AnswerLengths answerLengths) {

    public static final String USAGE = """
            usage: java -jar vllm-standin.jar [--host=127.0.0.1] [--port=8000] [--served-model-name=llama-3.1-8b]
                   [--max-model-len=8192] [--max-num-seqs=256] [--max-num-batched-tokens=2048] [--kv-blocks=20000]
                   [--scheduling-policy=fcfs|priority] [--time-scale=1.0] [--seed=42] [--answer-lengths=FILE]
              --answer-lengths: a request without ignore_eos whose prompt is in FILE stops at FILE's answer length
              (lines '<sha256 of the prompt text> <tokens>', see AnswerLengths); others at a length drawn from the prompt.
            """;

    public StandinOptions {
        answerLengths = answerLengths == null ? AnswerLengths.NONE : answerLengths;
        if (maxModelLen < 2 || maxNumSeqs < 1 || maxNumBatchedTokens < 1 || kvBlocks < 1 || !(timeScale > 0)) {
            throw new IllegalArgumentException("max-model-len, max-num-seqs, max-num-batched-tokens, kv-blocks and "
                    + "time-scale must be positive");
        }
    }

    /** From {@code --key=value} pairs (without the dashes); an unknown key is an error. */
    public static StandinOptions parse(Map<String, String> o) {
        for (String key : o.keySet()) {
            if (!java.util.Set.of("host", "port", "served-model-name", "max-model-len", "max-num-seqs",
                    "max-num-batched-tokens", "kv-blocks", "scheduling-policy", "time-scale", "seed",
                    "answer-lengths").contains(key)) {
                throw new IllegalArgumentException("unknown option --" + key + "\n" + USAGE);
            }
        }
        String scheduling = o.getOrDefault("scheduling-policy", "fcfs").toLowerCase(Locale.ROOT);
        if (!scheduling.equals("fcfs") && !scheduling.equals("priority")) {
            throw new IllegalArgumentException("--scheduling-policy must be fcfs or priority, not " + scheduling);
        }
        return new StandinOptions(o.getOrDefault("host", "127.0.0.1"), Integer.parseInt(o.getOrDefault("port", "8000")),
                o.getOrDefault("served-model-name", "llama-3.1-8b"), Integer.parseInt(o.getOrDefault("max-model-len", "8192")),
                Integer.parseInt(o.getOrDefault("max-num-seqs", "256")),
                Integer.parseInt(o.getOrDefault("max-num-batched-tokens", "2048")),
                Integer.parseInt(o.getOrDefault("kv-blocks", "20000")), scheduling.equals("priority"),
                Double.parseDouble(o.getOrDefault("time-scale", "1.0")), Long.parseLong(o.getOrDefault("seed", "42")),
                o.containsKey("answer-lengths") ? AnswerLengths.read(Path.of(o.get("answer-lengths"))) : AnswerLengths.NONE);
    }

    /** The same options with these answer lengths (the in-process equivalent of {@code --answer-lengths}). */
    public StandinOptions withAnswerLengths(AnswerLengths lengths) {
        return new StandinOptions(host, port, model, maxModelLen, maxNumSeqs, maxNumBatchedTokens, kvBlocks, priority,
                timeScale, seed, lengths);
    }
}
