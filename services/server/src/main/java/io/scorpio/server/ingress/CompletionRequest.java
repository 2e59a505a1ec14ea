package io.scorpio.server.ingress;

import io.scorpio.model.Slo;
import io.scorpio.server.api.RequestedSlo;

/**
 * A validated generation request, whichever endpoint or protocol it came from.
 *
 * @param chat whether it came as chat messages (the response then has chat shapes)
 * @param prompt the text the worker sees (for chat: the messages in a simple template)
 * @param promptTokens its length in tokens (cl100k, which matches Llama-3 counts closely)
 * @param includeUsage whether a streamed response ends with a usage chunk
 * @param sloClass the label its SLO came by ({@link RequestedSlo})
 */
public record CompletionRequest(boolean chat, String model, String prompt, int promptTokens, int maxTokens,
                                boolean stream, boolean includeUsage, Slo slo, String sloClass) {

    /** The SLO it asks for, with its label. */
    public RequestedSlo requestedSlo() {
        return new RequestedSlo(sloClass, slo);
    }

    /** The same request held to another SLO (access control may hold a request that named none to its key's class). */
    public CompletionRequest withSlo(RequestedSlo to) {
        return new CompletionRequest(chat, model, prompt, promptTokens, maxTokens, stream, includeUsage, to.slo(), to.sloClass());
    }
}
