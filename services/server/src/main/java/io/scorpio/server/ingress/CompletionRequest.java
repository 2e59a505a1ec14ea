package io.scorpio.server.ingress;

import io.scorpio.model.Slo;

/**
 * A validated generation request, whichever endpoint or protocol it came from.
 *
 * @param chat whether it came as chat messages (the response then has chat shapes)
 * @param prompt the text the worker sees (for chat: the messages in a simple template)
 * @param promptTokens its length in tokens (cl100k, which matches Llama-3 counts closely)
 * @param includeUsage whether a streamed response ends with a usage chunk
 * @param sloClass the configured class name the client asked for, {@link #CUSTOM_SLO} when it gave figures
 *     (body {@code slo} or {@code x-slo-*} headers), or {@link #DEFAULT_SLO} when it gave none; access control
 *     and the per-class metrics use it
 */
public record CompletionRequest(boolean chat, String model, String prompt, int promptTokens, int maxTokens,
                                boolean stream, boolean includeUsage, Slo slo, String sloClass) {

    public static final String CUSTOM_SLO = "custom";
    public static final String DEFAULT_SLO = "default";

    /** An SLO with the label it came by. */
    public record NamedSlo(String sloClass, Slo slo) {
    }

    /** The same request held to another (named) SLO. */
    public CompletionRequest withSlo(String sloClass, Slo slo) {
        return new CompletionRequest(chat, model, prompt, promptTokens, maxTokens, stream, includeUsage, slo, sloClass);
    }
}
