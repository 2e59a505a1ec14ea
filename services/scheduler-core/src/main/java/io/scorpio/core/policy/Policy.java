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
 */
public record Policy(String name, QueueOrder order, RejectionRule rejection, boolean tpotAdmission,
                     boolean credits, boolean usesPredictor) {

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

    public Policy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(rejection, "rejection");
    }

    /** Looks a policy up by its name, case-insensitively; the error lists the names that exist. */
    public static Policy named(String name) {
        String wanted = Objects.requireNonNull(name, "policy name").trim().toLowerCase(Locale.ROOT);
        for (Policy p : ALL) {
            if (p.name.equals(wanted)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown policy '" + name + "'; known policies: " + names());
    }

    public static List<String> names() {
        return ALL.stream().map(Policy::name).toList();
    }
}
