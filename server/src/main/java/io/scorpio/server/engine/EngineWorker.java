package io.scorpio.server.engine;

import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.server.bus.LocalMessage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an engine drives: the asynchronous, real-time face of a worker. The core's {@code StepWorker} is the
 * synchronous one (it reports a duration and returns); {@link TimedStepWorker} turns any of those into an
 * {@code EngineWorker} by waiting that duration on a Vert.x timer. Workers that talk to a real model (vLLM)
 * implement this interface directly.
 *
 * <p>All methods are called on the engine verticle's event loop, one step at a time.
 */
public interface EngineWorker {

    /**
     * One token as the worker produced it.
     *
     * @param text its text
     * @param relayed what the worker's server sent with it that Scorpio passes to the client unchanged, as a fragment
     *     of an OpenAI choice: {@code logprobs}, vLLM's {@code stop_reason}, and for chat the delta's fields other than
     *     its content ({@code {"delta": {"tool_calls": [...]}}}, {@code reasoning_content}); null when there is none
     *     (always, for the simulated workers)
     */
    record Token(String text, JsonObject relayed) {
        public static Token of(String text) {
            return new Token(text, null);
        }
    }

    /** A server's own token counts of a request (vLLM's {@code usage}), passed to the client unchanged. */
    record Usage(int promptTokens, int completionTokens) {
    }

    /**
     * The outcome of one step.
     *
     * @param result the duration, the sequences that stopped and, for a worker that relays a server's stream, how many
     *     tokens each sequence produced, as the scheduler wants it
     * @param tokens the tokens each sequence produced in this step, in order (as many as {@code result.tokensOf(id)})
     * @param failures requests the worker could not serve for their own sake (e.g. vLLM refused the prompt), with
     *     why; they end as failed
     * @param lost requests lost to a fault of the worker itself (it died, became unreachable or hung), with why;
     *     they need not be in the batch. A step with any takes the worker out of service until its health check
     *     passes again; a lost request without a token yet goes back to the queue, one with tokens ends as failed
     * @param finishReasons the worker's own finish reason of sequences that stopped in this step (vLLM's
     *     {@code finish_reason}, passed to the client unchanged); for one not named the guard says {@code length} or
     *     {@code stop}
     * @param usage the server's own token counts of sequences that stopped in this step (vLLM's {@code usage}); for
     *     one not named the guard reports its own counts
     */
    record Step(StepResult result, Map<String, List<Token>> tokens, Map<String, Failure> failures, Map<String, String> lost,
                Map<String, String> finishReasons, Map<String, Usage> usage) implements LocalMessage {
        public Step {
            tokens = Map.copyOf(tokens);
            failures = Map.copyOf(failures);
            lost = Map.copyOf(lost);
            finishReasons = Map.copyOf(finishReasons);
            usage = Map.copyOf(usage);
        }

        /** A step in which each sequence produced one token, {@code texts} its text; nothing failed. */
        public static Step oneTokenEach(StepResult result, Map<String, String> texts) {
            Map<String, List<Token>> each = new HashMap<>();
            texts.forEach((id, text) -> each.put(id, List.of(Token.of(text))));
            return new Step(result, each, Map.of(), Map.of(), Map.of(), Map.of());
        }

        /** A step that produced nothing: every request named in {@code lost} was lost to the worker. */
        public static Step lost(Map<String, String> lost) {
            return new Step(StepResult.of(0), Map.of(), Map.of(), lost, Map.of(), Map.of());
        }

        /** Whether the worker itself failed in this step. */
        public boolean workerFailed() {
            return !lost.isEmpty();
        }
    }

    /**
     * Why a worker could not serve a request.
     *
     * @param invalidRequest the worker's server judged the request itself invalid (vLLM answered 400): the client
     *     gets a 400 with the server's message, as it would from the server directly, not a 502 it might retry
     */
    record Failure(String message, boolean invalidRequest) {
        public static Failure of(String message) {
            return new Failure(message, false);
        }
    }

    /**
     * Runs one step of the plan. {@code prompts} holds the prompt text of each request of a prefill batch.
     * The future fails only when the whole worker is broken (every request of the batch is then lost, as in
     * {@link Step#lost()}); per-request trouble goes in {@link Step#failures()}.
     */
    Future<Step> run(StepPlan plan, Map<String, String> prompts);

    /** The request ended on the guard's side (client gone): stop spending work on it. */
    default void abort(String requestId) {
    }

    /**
     * Whether the worker can take requests: readiness, and the probe that brings a worker that failed back into
     * service.
     */
    default Future<Boolean> healthy() {
        return Future.succeededFuture(true);
    }

    /** Whether this worker runs the batches the scheduler picks step by step (credits need that). */
    boolean stepLevelControl();

    /** A line for logs and docs. */
    String describe();

    default Future<Void> close() {
        return Future.succeededFuture();
    }
}
