package io.scorpio.server.ingress;

import io.scorpio.model.Slo;

/**
 * A validated generation request, whichever endpoint or protocol it came from.
 *
 * @param chat whether it came as chat messages (the response then has chat shapes)
 * @param prompt the text the worker sees (for chat: the messages in a simple template)
 * @param promptTokens its length in tokens (cl100k, which matches Llama-3 counts closely)
 * @param includeUsage whether a streamed response ends with a usage chunk
 */
public record CompletionRequest(boolean chat, String model, String prompt, int promptTokens, int maxTokens,
                                boolean stream, boolean includeUsage, Slo slo) {
}
