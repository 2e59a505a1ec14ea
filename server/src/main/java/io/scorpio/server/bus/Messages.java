package io.scorpio.server.bus;

import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.scheduler.RequestSpec;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.model.RejectReason;
import io.scorpio.model.Slo;
import java.util.Map;

/** The node-local messages between ingress, predictor, guard and engines. */
public final class Messages {

    private Messages() {
    }

    /**
     * Ingress to guard: a validated request. {@code predictedTokens} is -1 when no prediction exists. Its events go
     * back to the ingress of the node it entered, named by {@code id}. {@code prompt} is what a worker that talks to a
     * real model forwards: the client's request body as JSON ({@code CompletionRequest.upstream}).
     */
    public record Submit(String id, double arrivalMs, int promptTokens, int maxTokens, Slo slo, int predictedTokens,
                         String prompt, double expectedHeadroom, boolean mayDecline) implements LocalMessage {

        /** A submission no snapshot chose: the guard takes it (or refuses it) as a node alone does. */
        public Submit(String id, double arrivalMs, int promptTokens, int maxTokens, Slo slo, int predictedTokens,
                      String prompt) {
            this(id, arrivalMs, promptTokens, maxTokens, slo, predictedTokens, prompt, Double.NaN, false);
        }

        /**
         * The same submission, chosen from a snapshot that promised {@code expectedHeadroom}; with {@code mayDecline}
         * (another node is left to try) the guard declines it when its exact state is far worse than promised.
         */
        public Submit placed(double expectedHeadroom, boolean mayDecline) {
            return new Submit(id, arrivalMs, promptTokens, maxTokens, slo, predictedTokens, prompt, expectedHeadroom, mayDecline);
        }

        /**
         * The scheduler's view of the request, arrived at {@code arrivalMs} on the guard's clock. Its output length O is
         * the prediction clamped to {@code max_tokens}: a request never produces more, and the scheduler prices admission
         * with I + O/2 decode steps, so an over-prediction past what it can ever generate would only block other
         * admissions. With no prediction ({@code predictor=none}, or a predictor that failed or timed out) the spec says
         * so and the scheduler uses {@code max_tokens} itself as O.
         */
        public RequestSpec spec(double arrivalMs) {
            int predicted = predictedTokens >= 0 ? Math.min(predictedTokens, maxTokens) : RequestSpec.NO_PREDICTION;
            return new RequestSpec(id, arrivalMs, promptTokens, maxTokens, slo, predicted);
        }
    }

    /** Guard to ingress: what became of a {@link Submit}. */
    public sealed interface SubmitReply extends LocalMessage {
    }

    /** Queued on engine {@code engine}; its stream will carry its tokens or its rejection. */
    public record Accepted(int engine) implements SubmitReply {
    }

    /** Refused at once: no schedule could ever run it. */
    public record Refused(RejectReason reason, String message) implements SubmitReply {
    }

    /**
     * Not taken here, but another node may: the snapshot it was placed from was stale ({@code stale_snapshot}), or the
     * node is shutting down ({@code node_draining}). The entry node tries the next best node.
     */
    public record Declined(String reason, String message) implements SubmitReply {
        public static final String STALE_SNAPSHOT = "stale_snapshot";
        public static final String NODE_DRAINING = "node_draining";
        /**
         * Not a reply: a waiting request handed back to its entry node because every worker of its node is out of
         * service; the entry node places it again, as it does for {@link #NODE_DRAINING}.
         */
        public static final String WORKER_OUT_OF_SERVICE = "worker_out_of_service";
    }

    /**
     * Guard to engine: run this step. {@code prompts} holds the {@link Submit#prompt} of requests in a prefill batch
     * (workers that talk to a real model need it). The engine answers with the step's {@code EngineWorker.Step}.
     */
    public record RunStep(StepPlan plan, Map<String, String> prompts) implements LocalMessage {
    }

    /** Ingress to guard: the client went away. */
    public record Abort(String id) implements LocalMessage {
    }

    /** Engine to guard: a refitted step-time model. */
    public record ModelUpdate(int engine, StepTimeModel stepModel) implements LocalMessage {
    }

    /**
     * Ingress to predictor. The reply is an {@code Integer}: the predicted output length in tokens, or
     * {@link io.scorpio.server.predictor.OutputLengthPredictor#NO_PREDICTION}.
     */
    public record Predict(String prompt, int promptTokens) implements LocalMessage {
    }
}
