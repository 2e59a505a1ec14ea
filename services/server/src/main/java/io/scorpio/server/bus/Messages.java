package io.scorpio.server.bus;

import io.scorpio.core.model.StepTimeModel;
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
                         String prompt) implements LocalMessage {
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

    /** Ingress to predictor. */
    public record Predict(String prompt, int promptTokens) implements LocalMessage {
    }

    /** Predictor to ingress: -1 when there is no prediction. */
    public record Prediction(int outputTokens) implements LocalMessage {
    }
}
