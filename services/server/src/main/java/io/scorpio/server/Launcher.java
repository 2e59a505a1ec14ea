package io.scorpio.server;

import io.scorpio.core.policy.Policy;
import io.scorpio.core.policy.SchedulerConfig;
import io.scorpio.model.SloClass;

/**
 * Starts a Scorpio node. The verticles (ingress, predictor, guard, engine) are not wired yet: for now
 * this prints the configuration the node would run with, says so, and exits.
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) {
        String policyName = System.getProperty("scorpio.policy", System.getenv().getOrDefault("SCORPIO_POLICY", "scorpio"));
        Policy policy = Policy.named(policyName);
        SchedulerConfig config = SchedulerConfig.PAPER;
        System.out.println("Scorpio node configuration (the HTTP service is not wired yet; this build only prints it):");
        System.out.println("  policy            " + policy);
        System.out.println("  scheduler         " + config);
        System.out.println("  worker            simulated llama-3.1-8b-a100 (not yet running)");
        System.out.println("  SLO classes       " + SloClass.LLAMA_3_1_8B.stream()
                .map(c -> c.name() + "=" + c.slo().ttftMs() + "ms/" + c.slo().tpotMs() + "ms").toList());
        System.out.println("  known policies    " + Policy.names());
    }
}
