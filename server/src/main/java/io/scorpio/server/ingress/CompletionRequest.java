package io.scorpio.server.ingress;

import io.scorpio.model.Slo;
import io.scorpio.server.api.RequestedSlo;

/**
 * A validated generation request, whichever endpoint or protocol it came from.
 *
 * @param chat whether it came as chat messages (the response then has chat shapes)
 * @param prompt the prompt as text, for counting its tokens and for the length predictor (for chat: the messages in
 *     a simple role-tagged template; a vLLM worker never sees this template, it gets {@code workerInput})
 * @param promptTokens its length in tokens (cl100k, which matches Llama-3 counts closely)
 * @param includeUsage whether a streamed response ends with a usage chunk
 * @param sloClass the label its SLO came by ({@link RequestedSlo})
 * @param workerInput what the worker gets. For a vLLM worker, the body it forwards, as JSON: the client's body as
 *     given (its {@code prompt} or {@code messages} and every sampling and output parameter) less Scorpio's own fields
 *     ({@code slo}, {@code slo_class}, the WebSocket protocol's {@code type} and {@code id}); the worker sets
 *     {@code model}, {@code max_tokens} and the streaming fields itself (see {@code VllmWorker}). For the simulated
 *     workers, which read nothing of it, the prompt: no body is encoded for them. Made where the request is parsed
 *     (on a worker thread for a large body), not on the event loop.
 */
public record CompletionRequest(boolean chat, String model, String prompt, int promptTokens, int maxTokens,
                                boolean stream, boolean includeUsage, Slo slo, String sloClass, String workerInput) {

    /** The SLO it asks for, with its label. */
    public RequestedSlo requestedSlo() {
        return new RequestedSlo(sloClass, slo);
    }

    /** The same request held to another SLO (access control may hold a request that named none to its key's class). */
    public CompletionRequest withSlo(RequestedSlo to) {
        return new CompletionRequest(chat, model, prompt, promptTokens, maxTokens, stream, includeUsage, to.slo(), to.sloClass(),
                workerInput);
    }
}
