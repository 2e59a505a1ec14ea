package io.scorpio.core.policy;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A scheduling policy: the rows of spec section 6. Each column is a switch, so the ablations
 * ({@code scorpio-ttft-only}, {@code scorpio-tpot-only}) are the same code with parts turned off.
 *
 * @param name the policy's name as configured and reported
 * @param order how the waiting queue is ordered
 * @param rejection which SLO rejection rule applies
 * @param tpotAdmission whether VBS-based admission gates prefill (spec 4)
 * @param credits whether decode steps are batched by credits (spec 4)
 * @param usesPredictor whether the predicted output length is used (else max_tokens stands in)
 * @param chunkedPrefillBudget 0: the policy runs on the engine its {@link SchedulerConfig} describes (the paper's
 *     seven); above 0: the policy is also an engine, chunked prefill with this token budget per step
 *     ({@link #engineConfig})
 */
public record Policy(String name, QueueOrder order, RejectionRule rejection, boolean tpotAdmission,
                     boolean credits, boolean usesPredictor, int chunkedPrefillBudget) {

    public static final Policy VLLM = new Policy("vllm", QueueOrder.ARRIVAL, RejectionRule.NONE, false, false, false);
    public static final Policy S3 = new Policy("s3", QueueOrder.PREDICTED_LENGTH, RejectionRule.NONE, false, false, true);
    public static final Policy MOONCAKE =
            new Policy("mooncake", QueueOrder.ARRIVAL, RejectionRule.UNATTAINABLE_TTFT, false, false, false);
    public static final Policy MOONCAKE_EARLY_REJECT =
            new Policy("mooncake-early-reject", QueueOrder.ARRIVAL, RejectionRule.MOONCAKE_EARLY, false, false, true);
    public static final Policy SCORPIO =
            new Policy("scorpio", QueueOrder.DEADLINE, RejectionRule.UNATTAINABLE_TTFT, true, true, true);
    public static final Policy SCORPIO_TTFT_ONLY =
            new Policy("scorpio-ttft-only", QueueOrder.DEADLINE, RejectionRule.UNATTAINABLE_TTFT, false, false, false);
    public static final Policy SCORPIO_TPOT_ONLY =
            new Policy("scorpio-tpot-only", QueueOrder.ARRIVAL, RejectionRule.NONE, true, true, true);

    /** All seven policies, baselines first, in the order the paper's figures list them. */
    public static final List<Policy> ALL =
            List.of(VLLM, S3, MOONCAKE, MOONCAKE_EARLY_REJECT, SCORPIO_TTFT_ONLY, SCORPIO_TPOT_ONLY, SCORPIO);

    /** vLLM V1 as users run it: chunked prefill, FCFS, {@code max_num_batched_tokens} 2,048 (its default). */
    public static final Policy VLLM_V1 =
            new Policy("vllm-v1", QueueOrder.ARRIVAL, RejectionRule.NONE, false, false, false, 2048);
    /** vLLM V1 with the larger budget (8,192) that throughput-oriented deployments set. */
    public static final Policy VLLM_V1_8192 =
            new Policy("vllm-v1-8192", QueueOrder.ARRIVAL, RejectionRule.NONE, false, false, false, 8192);
    /**
     * Sarathi-Serve's stall-free batching: chunked prefill, FCFS, with a small budget chosen for a TPOT target, as
     * its paper does (512 tokens: a step of 512 tokens takes about 40 ms on the simulated A100).
     */
    public static final Policy SARATHI =
            new Policy("sarathi", QueueOrder.ARRIVAL, RejectionRule.NONE, false, false, false, 512);
    /**
     * Scorpio on the chunked engine: the guards of {@code scorpio}, with mixed steps priced by the fitted mixed-step
     * model and the prompt chunks of each step sized to the tightest admitted TPOT (docs/scheduler-core.md).
     */
    public static final Policy SCORPIO_CHUNKED =
            new Policy("scorpio-chunked", QueueOrder.DEADLINE, RejectionRule.UNATTAINABLE_TTFT, true, true, true, 2048);

    /** The policies on the chunked-prefill engine (issue 15), next to the paper's seven. */
    public static final List<Policy> CHUNKED = List.of(VLLM_V1, VLLM_V1_8192, SARATHI, SCORPIO_CHUNKED);

    public Policy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(rejection, "rejection");
        if (chunkedPrefillBudget < 0) {
            throw new IllegalArgumentException("chunkedPrefillBudget must be >= 0, got " + chunkedPrefillBudget);
        }
    }

    /** A policy of the paper's table, on whatever engine the configuration describes. */
    public Policy(String name, QueueOrder order, RejectionRule rejection, boolean tpotAdmission, boolean credits,
                  boolean usesPredictor) {
        this(name, order, rejection, tpotAdmission, credits, usesPredictor, 0);
    }

    /**
     * The engine this policy runs on: {@code base} itself, or for a chunked-prefill policy {@code base} with chunked
     * prefill on and the policy's token budget.
     */
    public SchedulerConfig engineConfig(SchedulerConfig base) {
        return chunkedPrefillBudget == 0 ? base : base.withChunkedPrefill(chunkedPrefillBudget);
    }

    /** Looks a policy up by its name, case-insensitively; the error lists the names that exist. */
    public static Policy named(String name) {
        String wanted = Objects.requireNonNull(name, "policy name").trim().toLowerCase(Locale.ROOT);
        for (List<Policy> list : List.of(ALL, CHUNKED)) {
            for (Policy p : list) {
                if (p.name.equals(wanted)) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("unknown policy '" + name + "'; known policies: " + names() + ", "
                + CHUNKED.stream().map(Policy::name).toList());
    }

    public static List<String> names() {
        return ALL.stream().map(Policy::name).toList();
    }

    /**
     * The same policy without credit-based batching: what request-level control can run, where every admitted request
     * is in every decode step (a vLLM server behind its stock API). Order, rejection and admission stay.
     */
    public Policy withoutCredits() {
        return credits ? new Policy(name, order, rejection, tpotAdmission, false, usesPredictor, chunkedPrefillBudget) : this;
    }
}
