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
        return response(chat, id, created, model, text, finishReason, promptTokens, completionTokens, new Relayed());
    }

    /** A whole response, with what the worker's server sent besides the text ({@link Relayed}, gathered). */
    public static JsonObject response(boolean chat, String id, long created, String model, String text, String finishReason,
                                      int promptTokens, int completionTokens, Relayed relayed) {
        JsonObject choice = new JsonObject().put("index", 0);
        if (chat) {
            JsonObject message = new JsonObject().put("role", "assistant").put("content", text);
            JsonObject extra = relayed.message();
            if (extra.getValue("tool_calls") instanceof JsonArray calls) {
                // A streamed tool call carries its position; a whole message's tool call does not.
                calls.forEach(c -> ((JsonObject) c).remove("index"));
                if (text.isEmpty()) {
                    message.putNull("content"); // as OpenAI and vLLM answer a tool call without text
                }
            }
            choice.put("message", message.mergeIn(extra));
        } else {
            choice.put("text", text);
        }
        choice.put("logprobs", (Object) null).put("finish_reason", finishReason).mergeIn(relayed.choice());
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

    /**
     * The chunk of a token that came with fields of the worker's server ({@code EngineWorker.Token.relayed}): the
     * plain chunk with them put in, choice fields into the choice, a chat delta's fields into the delta.
     */
    public static JsonObject chunk(boolean chat, String id, long created, String model, String text, String finishReason,
                                   boolean includeUsage, JsonObject relayed) {
        JsonObject c = chunk(chat, id, created, model, null, text, finishReason, includeUsage);
        JsonObject choice = c.getJsonArray("choices").getJsonObject(0);
        relayed.forEach(e -> {
            if (e.getKey().equals("delta")) {
                if (chat) {
                    JsonObject delta = choice.getJsonObject("delta");
                    if (text.isEmpty()) {
                        delta.remove("content"); // as vLLM sends a delta of tool calls or reasoning alone
                    }
                    delta.mergeIn((JsonObject) e.getValue());
                }
            } else {
                choice.put(e.getKey(), e.getValue());
            }
        });
        return c;
    }

    /**
     * What the worker's server sent with a request's tokens, gathered for a whole response as OpenAI's clients gather
     * a stream: strings are joined, arrays appended (a tool call is merged with the one of the same {@code index}),
     * objects merged field by field; a chat delta's fields go into the message, the rest into the choice.
     */
    public static final class Relayed {
        /** Fields whose value is whole in the one chunk that carries it: never joined. */
        private static final java.util.Set<String> WHOLE = java.util.Set.of("id", "type", "index", "stop_reason");

        private final JsonObject choice = new JsonObject();
        private final JsonObject message = new JsonObject();

        public void add(JsonObject relayed) {
            relayed.forEach(e -> {
                if (e.getKey().equals("delta")) {
                    merge(message, (JsonObject) e.getValue());
                } else {
                    merge(choice, new JsonObject().put(e.getKey(), e.getValue()));
                }
            });
        }

        JsonObject choice() {
            return choice;
        }

        JsonObject message() {
            return message;
        }

        private static void merge(JsonObject into, JsonObject more) {
            more.forEach(e -> {
                String key = e.getKey();
                Object have = into.getValue(key);
                Object v = e.getValue();
                if (have instanceof String a && v instanceof String b && !WHOLE.contains(key)) {
                    into.put(key, a + b);
                } else if (have instanceof JsonObject a && v instanceof JsonObject b) {
                    merge(a, b);
                } else if (have instanceof JsonArray a && v instanceof JsonArray b) {
                    append(a, b, key.equals("tool_calls"));
                } else if (v != null) {
                    into.put(key, copy(v));
                }
            });
        }

        private static void append(JsonArray into, JsonArray more, boolean byIndex) {
            for (Object v : more) {
                JsonObject same = null;
                if (byIndex && v instanceof JsonObject o && o.getValue("index") instanceof Number i) {
                    for (Object have : into) {
                        if (have instanceof JsonObject h && h.getValue("index") instanceof Number j
                                && j.longValue() == i.longValue()) {
                            same = h;
                        }
                    }
                }
                if (same != null) {
                    merge(same, (JsonObject) v);
                } else {
                    into.add(copy(v));
                }
            }
        }

        private static Object copy(Object v) {
            return v instanceof JsonObject o ? o.copy() : v instanceof JsonArray a ? a.copy() : v;
        }
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

    /**
     * The streamed chunks of one request, pre-encoded: everything but the token's text and finish reason is fixed for
     * the request, so a chunk is its prefix, the quoted text, and a suffix. Byte for byte what {@link #chunk} encodes
     * (a test holds them equal), without building a JSON tree per token.
     */
    public static final class ChunkTemplate {

        private final String prefix;
        private final String beforeFinish;
        private final String end;

        public ChunkTemplate(boolean chat, String id, long created, String model, boolean includeUsage) {
            String head = "data: {\"id\":" + quote(id) + ",\"object\":" + quote(chat ? "chat.completion.chunk" : "text_completion")
                    + ",\"created\":" + created + ",\"model\":" + quote(model) + ",\"choices\":[{\"index\":0,";
            this.prefix = head + (chat ? "\"delta\":{\"content\":" : "\"text\":");
            this.beforeFinish = (chat ? "}" : "") + ",\"logprobs\":null,\"finish_reason\":";
            this.end = "}]" + (includeUsage ? ",\"usage\":null" : "") + "}\n\n";
        }

        /** Appends the SSE event of one token to {@code out}. */
        public void append(StringBuilder out, String text, String finishReason) {
            out.append(prefix);
            quote(out, text == null ? "" : text);
            out.append(beforeFinish);
            if (finishReason == null) {
                out.append("null");
            } else {
                quote(out, finishReason);
            }
            out.append(end);
        }
    }

    /** A JSON string literal, escaped as Vert.x's (Jackson's) encoder escapes it. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        quote(b, s);
        return b.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    public static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
