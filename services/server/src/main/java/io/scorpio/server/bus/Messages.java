package io.scorpio.server.bus;

import io.scorpio.core.model.StepTimeModel;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.model.RejectReason;
import io.scorpio.model.Slo;
import java.util.List;
import java.util.Map;

/** The node-local messages between ingress, predictor, guard and engines. */
public final class Messages {

    private Messages() {
    }

    /** Ingress to guard: a validated request. {@code predictedTokens} is -1 when no prediction exists. */
    public record Submit(String id, String streamAddress, double arrivalMs, int promptTokens, int maxTokens, Slo slo,
                         int predictedTokens, String prompt) implements LocalMessage {
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

    /** Engine to guard: run the next iteration. */
    public record Schedule(int engine) implements LocalMessage {
    }

    /**
     * Guard to engine: the step to run. {@code prompts} holds the prompt text of requests in a prefill batch
     * (workers that talk to a real model need it). {@code hasWork} is false when no request is live.
     */
    public record ScheduleReply(StepPlan plan, Map<String, String> prompts, boolean hasWork) implements LocalMessage {
    }

    /**
     * Engine to guard: the step finished. {@code failures} maps request ids the worker could not serve to why;
     * they end as failed before the step's tokens are counted. {@code lost} maps requests lost to a fault of the
     * worker itself to why: those without a token yet go back to the waiting queue, the others end as failed.
     */
    public record Complete(int engine, StepResult result, Map<String, String> failures, Map<String, String> lost)
            implements LocalMessage {
    }

    /** One token the guard counted: the engine sends it to {@code streamAddress}. */
    public record Emitted(String id, String streamAddress, int index, String finishReason, int promptTokens)
            implements LocalMessage {
        public boolean finished() {
            return finishReason != null;
        }
    }

    /** Guard to engine: the tokens of the completed step, in batch order. */
    public record CompleteReply(List<Emitted> emitted) implements LocalMessage {
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
