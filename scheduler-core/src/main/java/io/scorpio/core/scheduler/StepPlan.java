package io.scorpio.core.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * What the scheduler asks its worker to run next: one prefill step, one decode step, one mixed step of the
 * chunked-prefill engine, or nothing. Every sequence in {@link #batch()} produces one token when the step completes
 * (a worker in front of a server that batches for itself may report other counts: {@link StepResult#tokens}).
 */
public sealed interface StepPlan {

    /** The sequences that produce a token in this step. */
    List<RequestState> batch();

    /** The requests whose prompt (or part of it) this step computes; they need their prompt text. */
    default List<RequestState> prefilling() {
        return List.of();
    }

    /** A prefill of {@code batch}, {@code tokens} prompt tokens in all (recomputed tokens included). */
    record Prefill(List<RequestState> batch, int tokens) implements StepPlan {
        public Prefill {
            batch = List.copyOf(batch);
        }

        @Override
        public List<RequestState> prefilling() {
            return batch;
        }
    }

    /**
     * A step of the chunked-prefill engine (SchedulerConfig.chunkedPrefill): one decode token for each of
     * {@code decodes}, then {@code chunks} of prompts. A chunk that completes its prompt yields that request's next
     * token (its first, unless it is a recompute), so {@link #batch()} is the decodes and those chunks' requests; a
     * chunk that does not leaves its request running with a partial prefill.
     *
     * @param meanLength mean current length over {@code decodes} (0 when there are none)
     */
    record Mixed(List<RequestState> decodes, double meanLength, List<PrefillChunk> chunks) implements StepPlan {
        public Mixed {
            decodes = List.copyOf(decodes);
            chunks = List.copyOf(chunks);
        }

        @Override
        public List<RequestState> batch() {
            List<RequestState> out = new ArrayList<>(decodes.size() + chunks.size());
            out.addAll(decodes);
            for (PrefillChunk c : chunks) {
                if (c.completesPrompt()) {
                    out.add(c.request());
                }
            }
            return out;
        }

        @Override
        public List<RequestState> prefilling() {
            return chunks.stream().map(PrefillChunk::request).toList();
        }

        /** Tokens the step computes: one per decode plus every chunk's. */
        public int tokens() {
            return decodes.size() + chunkTokens();
        }

        public int chunkTokens() {
            int sum = 0;
            for (PrefillChunk c : chunks) {
                sum += c.tokens();
            }
            return sum;
        }
    }

    /**
     * {@code tokens} prompt tokens of {@code request}'s prefill, after {@code prefix} already computed ones, of a
     * prefill of {@code target} tokens in all (its prompt plus, for a recompute, what it had generated).
     */
    record PrefillChunk(RequestState request, int prefix, int tokens, int target) {
        public PrefillChunk {
            if (prefix < 0 || tokens <= 0 || prefix + tokens > target) {
                throw new IllegalArgumentException("bad chunk: prefix " + prefix + ", tokens " + tokens + ", target "
                        + target);
            }
        }

        /** Whether this chunk finishes the prefill, so that the request produces a token at the end of the step. */
        public boolean completesPrompt() {
            return prefix + tokens == target;
        }
    }

    /** One decode step of {@code batch}, chosen from the admitted set (by credits where the policy says so). */
    record Decode(List<RequestState> batch, double meanLength) implements StepPlan {
        public Decode {
            batch = List.copyOf(batch);
        }
    }

    /** Nothing to run: no request is admitted and none could be. */
    record Idle() implements StepPlan {
        @Override
        public List<RequestState> batch() {
            return List.of();
        }
    }

    Idle IDLE = new Idle();
}
