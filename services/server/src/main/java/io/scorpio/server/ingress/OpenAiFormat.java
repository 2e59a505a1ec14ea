package io.scorpio.server.ingress;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The response shapes of OpenAI's (and vLLM's) completions and chat completions APIs: whole responses,
 * streaming chunks, the usage chunk of {@code stream_options.include_usage}.
 */
public final class OpenAiFormat {

    private OpenAiFormat() {
    }

    public static JsonObject usage(int promptTokens, int completionTokens) {
        return new JsonObject().put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
    }

    private static JsonObject head(String id, String object, long created, String model) {
        return new JsonObject().put("id", id).put("object", object).put("created", created).put("model", model);
    }

    /** A whole (non-streamed) response. */
    public static JsonObject response(boolean chat, String id, long created, String model, String text, String finishReason,
                                      int promptTokens, int completionTokens) {
        JsonObject choice = new JsonObject().put("index", 0);
        if (chat) {
            choice.put("message", new JsonObject().put("role", "assistant").put("content", text));
        } else {
            choice.put("text", text);
        }
        choice.put("logprobs", (Object) null).put("finish_reason", finishReason);
        return head(id, chat ? "chat.completion" : "text_completion", created, model)
                .put("choices", new JsonArray().add(choice)).put("usage", usage(promptTokens, completionTokens));
    }

    /**
     * One streamed chunk with one choice. For chat, {@code role} is set on the first chunk only (as OpenAI
     * sends the assistant role first); {@code text} may be null on a chat chunk that only carries the role.
     */
    public static JsonObject chunk(boolean chat, String id, long created, String model, String role, String text,
                                   String finishReason, boolean includeUsage) {
        JsonObject choice = new JsonObject().put("index", 0);
        if (chat) {
            JsonObject delta = new JsonObject();
            if (role != null) {
                delta.put("role", role);
            }
            if (text != null) {
                delta.put("content", text);
            }
            choice.put("delta", delta);
        } else {
            choice.put("text", text == null ? "" : text);
        }
        choice.put("logprobs", (Object) null).put("finish_reason", finishReason);
        JsonObject chunk = head(id, chat ? "chat.completion.chunk" : "text_completion", created, model)
                .put("choices", new JsonArray().add(choice));
        if (includeUsage) {
            chunk.put("usage", (Object) null);
        }
        return chunk;
    }

    /** The last chunk when {@code include_usage} is set: no choices, the real usage. */
    public static JsonObject usageChunk(boolean chat, String id, long created, String model, int promptTokens,
                                        int completionTokens) {
        return head(id, chat ? "chat.completion.chunk" : "text_completion", created, model).put("choices", new JsonArray())
                .put("usage", usage(promptTokens, completionTokens));
    }

    public static String sse(JsonObject data) {
        return "data: " + data.encode() + "\n\n";
    }

    public static final String SSE_DONE = "data: [DONE]\n\n";
}
