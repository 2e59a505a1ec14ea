package io.scorpio.server.ingress;

import io.scorpio.server.api.ApiError;
import io.scorpio.server.api.RequestedSlo;
import io.scorpio.model.Slo;
import io.scorpio.server.config.NodeSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * Validates an OpenAI-style request body (plus the SLO headers) into a {@link CompletionRequest}, or throws an
 * {@link ApiError} that says exactly which field is wrong. SLO precedence: the body's {@code slo} fields or
 * {@code slo_class}, then the headers {@code x-slo-ttft-ms} / {@code x-slo-tpot-ms}, then the configured default,
 * field by field.
 */
public final class RequestParser {

    public static final String HEADER_TTFT = "x-slo-ttft-ms";
    public static final String HEADER_TPOT = "x-slo-tpot-ms";
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool", "developer");
    /** Scorpio's own fields (the SLO, the WebSocket protocol's envelope): never forwarded to a worker. */
    private static final Set<String> SCORPIO_FIELDS = Set.of("slo", "slo_class", "type", "id");

    private final NodeSettings settings;
    private final TokenCounter tokenizer;
    private final PromptLimits limits;

    public RequestParser(NodeSettings settings, TokenCounter tokenizer) {
        this.settings = settings;
        this.tokenizer = tokenizer;
        this.limits = PromptLimits.of(settings);
    }

    /** Parses a raw body; malformed JSON and non-objects are 400s. */
    public static JsonObject parseJson(String body) {
        if (body == null || body.isBlank()) {
            throw new ApiError(400, ApiError.INVALID_REQUEST, null, "invalid_json", "the request body must be a JSON object");
        }
        Object parsed;
        try {
            parsed = io.vertx.core.json.Json.decodeValue(body);
        } catch (RuntimeException e) {
            throw new ApiError(400, ApiError.INVALID_REQUEST, null, "invalid_json", "malformed JSON in the request body");
        }
        if (!(parsed instanceof JsonObject json)) {
            throw new ApiError(400, ApiError.INVALID_REQUEST, null, "invalid_json", "the request body must be a JSON object");
        }
        return json;
    }

    public CompletionRequest parse(JsonObject body, MultiMap headers, boolean chat) {
        String model = requiredString(body, "model");
        if (!model.equals(settings.requests().modelName())) {
            throw new ApiError(404, ApiError.INVALID_REQUEST, "model", "model_not_found",
                    "The model `" + model + "` does not exist. This node serves `" + settings.requests().modelName() + "`.");
        }
        String prompt = chat ? chatPrompt(body) : completionPrompt(body);
        int maxTokens = maxTokens(body, chat);
        // Cheap checks first: a prompt the guard would refuse is refused here, after counting no more tokens than the
        // limit allows, and before the predictor sees it.
        int limit = limits.maxPromptTokens(maxTokens);
        int promptTokens = tokenizer.countUpTo(prompt, limit);
        if (promptTokens > limit) {
            throw new PromptRefused(limits.refusal(maxTokens), slo(body, headers).slo());
        }
        if (promptTokens <= 0) {
            throw ApiError.badField(chat ? "messages" : "prompt", "invalid_value", "the prompt has no tokens");
        }
        refuseUncarried(body, settings.worker().isVllm());
        boolean stream = optionalBoolean(body, "stream", false);
        boolean includeUsage = false;
        Object options = body.getValue("stream_options");
        if (options != null) {
            if (!(options instanceof JsonObject opts)) {
                throw ApiError.badField("stream_options", "invalid_type", "stream_options must be an object");
            }
            if (!stream) {
                throw ApiError.badField("stream_options", "invalid_value", "stream_options can only be given when stream is true");
            }
            includeUsage = optionalBoolean(opts, "include_usage", false);
        }
        RequestedSlo slo = slo(body, headers);
        String workerInput = prompt;
        if (settings.worker().isVllm()) {
            JsonObject upstream = body.copy();
            SCORPIO_FIELDS.forEach(upstream::remove);
            workerInput = upstream.encode();
        }
        return new CompletionRequest(chat, model, prompt, promptTokens, maxTokens, stream, includeUsage, slo.slo(),
                slo.sloClass(), workerInput);
    }

    /**
     * Refuses the parameters whose answer Scorpio cannot carry back to the client, so that none is dropped (400,
     * naming the parameter): the token stream carries one sequence per request, and Scorpio always streams from vLLM
     * (no prompt log probabilities). Log probabilities and tool calls travel with each token from a vLLM worker
     * ({@code relayed}); the simulated workers have none to give.
     */
    private static void refuseUncarried(JsonObject body, boolean vllm) {
        Object n = body.getValue("n");
        if (n != null && !(n instanceof Number num && isInteger(num) && num.longValue() == 1)) {
            throw ApiError.badField("n", "invalid_value", "n other than 1 is not supported: Scorpio streams one "
                    + "sequence per request");
        }
        Object bestOf = body.getValue("best_of");
        if (bestOf != null && !(bestOf instanceof Number num && isInteger(num) && num.longValue() == 1)) {
            throw ApiError.badField("best_of", "invalid_value", "best_of other than 1 is not supported: Scorpio streams "
                    + "one sequence per request");
        }
        if (Boolean.TRUE.equals(body.getValue("echo"))) {
            throw ApiError.badField("echo", "invalid_value", "echo is not supported: Scorpio's responses carry the "
                    + "completion only");
        }
        Object promptLogprobs = body.getValue("prompt_logprobs");
        if (promptLogprobs != null && !(promptLogprobs instanceof Number num && num.doubleValue() == 0)) {
            throw ApiError.badField("prompt_logprobs", "unsupported_parameter", "prompt_logprobs is not supported: "
                    + "Scorpio streams every request from its worker, and vLLM gives prompt log probabilities only "
                    + "to a request that does not stream");
        }
        if (body.getValue("suffix") != null) {
            throw ApiError.badField("suffix", "unsupported_parameter", "suffix is not supported (nor by vLLM)");
        }
        if (vllm) {
            return; // vLLM validates the rest itself, and its answer comes back with each token
        }
        checkSamplingAsVllmDoes(body);
        for (String name : List.of("logprobs", "top_logprobs")) {
            Object v = body.getValue(name);
            if (v != null && !Boolean.FALSE.equals(v) && !(name.equals("top_logprobs") && v instanceof Number num
                    && num.doubleValue() == 0)) {
                throw ApiError.badField(name, "unsupported_parameter", name + " needs a vLLM worker (worker=vllm): "
                        + "the simulated GPU worker's tokens have no log probabilities");
            }
        }
        Object tools = body.getValue("tools");
        if (tools != null && !(tools instanceof JsonArray a && a.isEmpty())) {
            throw ApiError.badField("tools", "unsupported_parameter", "tools need a vLLM worker (worker=vllm): "
                    + "the simulated GPU worker makes no tool calls");
        }
        Object toolChoice = body.getValue("tool_choice");
        if (toolChoice != null && !"none".equals(toolChoice)) {
            throw ApiError.badField("tool_choice", "unsupported_parameter", "tool_choice other than \"none\" needs a "
                    + "vLLM worker (worker=vllm): the simulated GPU worker makes no tool calls");
        }
    }

    /**
     * The simulated workers ignore sampling, but a request they serve should be one vLLM would serve too: a client
     * developed against the simulator must not meet its first {@code 400} when the node is pointed at a GPU. These
     * are vLLM's own checks ({@code SamplingParams}); with the {@code vllm} worker vLLM makes them itself.
     */
    private static void checkSamplingAsVllmDoes(JsonObject body) {
        number(body, "temperature", 0, Double.POSITIVE_INFINITY, true, "non-negative");
        number(body, "top_p", 0, 1, false, "in (0, 1]");
        number(body, "min_p", 0, 1, true, "in [0, 1]");
        number(body, "presence_penalty", -2, 2, true, "in [-2, 2]");
        number(body, "frequency_penalty", -2, 2, true, "in [-2, 2]");
        number(body, "repetition_penalty", 0, Double.POSITIVE_INFINITY, false, "greater than 0");
        Object topK = body.getValue("top_k");
        if (topK != null && !(topK instanceof Number k && isInteger(k) && k.longValue() >= -1)) {
            throw ApiError.badField("top_k", "invalid_value", "top_k must be an integer, -1 or 0 (no limit) or more, got "
                    + topK);
        }
        Object seed = body.getValue("seed");
        if (seed != null && !(seed instanceof Number n && isInteger(n))) {
            throw ApiError.badField("seed", "invalid_type", "seed must be an integer, got " + seed);
        }
        Object stop = body.getValue("stop");
        if (stop != null && !(stop instanceof String)
                && !(stop instanceof JsonArray a && a.stream().allMatch(String.class::isInstance))) {
            throw ApiError.badField("stop", "invalid_type", "stop must be a string or an array of strings");
        }
        Object bias = body.getValue("logit_bias");
        if (bias != null && !(bias instanceof JsonObject)) {
            throw ApiError.badField("logit_bias", "invalid_type", "logit_bias must be an object of token ids to biases");
        }
    }

    /** An optional number in [min, max] (or (min, max] when {@code minIncluded} is false). */
    private static void number(JsonObject body, String name, double min, double max, boolean minIncluded, String range) {
        Object v = body.getValue(name);
        if (v == null) {
            return;
        }
        if (!(v instanceof Number num)) {
            throw ApiError.badField(name, "invalid_type", name + " must be a number, got " + v);
        }
        double d = num.doubleValue();
        if (!Double.isFinite(d) || (minIncluded ? d < min : d <= min) || d > max) {
            throw ApiError.badField(name, "invalid_value", name + " must be " + range + ", got " + v);
        }
    }

    private String completionPrompt(JsonObject body) {
        Object p = body.getValue("prompt");
        if (p == null) {
            throw ApiError.badField("prompt", "missing_required_parameter", "prompt is required");
        }
        if (p instanceof JsonArray array) {
            if (array.size() != 1) {
                throw ApiError.badField("prompt", "invalid_value", array.isEmpty() ? "prompt must not be empty"
                        : "only one prompt per request is supported");
            }
            p = array.getValue(0);
        }
        if (!(p instanceof String text)) {
            throw ApiError.badField("prompt", "invalid_type", "prompt must be a string (token-id prompts are not supported)");
        }
        if (text.isEmpty()) {
            throw ApiError.badField("prompt", "invalid_value", "prompt must not be empty");
        }
        return text;
    }

    /**
     * Chat messages in a simple role-tagged template. It approximates the model's chat template well enough for
     * counting tokens and predicting the output length; a vLLM worker gets the messages as given instead (on
     * {@code /v1/chat/completions}, where vLLM applies the model's own template).
     */
    private String chatPrompt(JsonObject body) {
        Object m = body.getValue("messages");
        if (m == null) {
            throw ApiError.badField("messages", "missing_required_parameter", "messages is required");
        }
        if (!(m instanceof JsonArray messages)) {
            throw ApiError.badField("messages", "invalid_type", "messages must be an array");
        }
        if (messages.isEmpty()) {
            throw ApiError.badField("messages", "invalid_value", "messages must not be empty");
        }
        StringBuilder prompt = new StringBuilder();
        boolean anyContent = false;
        for (int i = 0; i < messages.size(); i++) {
            String param = "messages[" + i + "]";
            if (!(messages.getValue(i) instanceof JsonObject msg)) {
                throw ApiError.badField(param, "invalid_type", param + " must be an object");
            }
            String role = requiredString(msg, "role", param + ".role");
            if (!ROLES.contains(role)) {
                throw ApiError.badField(param + ".role", "invalid_value", "unknown role '" + role + "'; use one of " + ROLES);
            }
            String content = content(msg.getValue("content"), param + ".content");
            anyContent |= !content.isEmpty();
            prompt.append(role).append(": ").append(content).append('\n');
        }
        if (!anyContent) {
            throw ApiError.badField("messages", "invalid_value", "the messages have no content");
        }
        return prompt.append("assistant:").toString();
    }

    private static String content(Object c, String param) {
        if (c instanceof String s) {
            return s;
        }
        if (c instanceof JsonArray parts) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                if (!(parts.getValue(i) instanceof JsonObject part) || !"text".equals(part.getValue("type"))
                        || !(part.getValue("text") instanceof String text)) {
                    throw ApiError.badField(param + "[" + i + "]", "invalid_value", "only text content parts are supported");
                }
                sb.append(text);
            }
            return sb.toString();
        }
        if (c == null) {
            throw ApiError.badField(param, "missing_required_parameter", param + " is required");
        }
        throw ApiError.badField(param, "invalid_type", param + " must be a string or an array of text parts");
    }

    private int maxTokens(JsonObject body, boolean chat) {
        String name = "max_tokens";
        Object v = body.getValue(name);
        if (v == null && chat) {
            name = "max_completion_tokens";
            v = body.getValue(name);
        }
        if (v == null) {
            return settings.requests().defaultMaxTokens();
        }
        if (!(v instanceof Number num) || !isInteger(num)) {
            throw ApiError.badField(name, "invalid_type", name + " must be an integer");
        }
        long n = num instanceof java.math.BigInteger big && big.bitLength() > 62 ? big.signum() * Long.MAX_VALUE
                : num.longValue();
        if (n <= 0) {
            throw ApiError.badField(name, "invalid_value", name + " must be at least 1, got " + n);
        }
        if (n > settings.requests().maxTokensLimit()) {
            throw ApiError.badField(name, "invalid_value", name + " must be at most " + settings.requests().maxTokensLimit() + ", got " + n);
        }
        return (int) n;
    }

    private RequestedSlo slo(JsonObject body, MultiMap headers) {
        double ttft = settings.requests().defaultSlo().ttftMs();
        double tpot = settings.requests().defaultSlo().tpotMs();
        // "default" until the client names any SLO figure; the access check and the per-class metrics need to know.
        String label = RequestedSlo.DEFAULT;
        String h = headers == null ? null : headers.get(HEADER_TTFT);
        if (h != null) {
            ttft = sloValue(parseHeader(h, HEADER_TTFT), HEADER_TTFT);
            label = RequestedSlo.CUSTOM;
        }
        h = headers == null ? null : headers.get(HEADER_TPOT);
        if (h != null) {
            tpot = sloValue(parseHeader(h, HEADER_TPOT), HEADER_TPOT);
            label = RequestedSlo.CUSTOM;
        }
        Object slo = body.getValue("slo");
        Object cls = body.getValue("slo_class");
        if (slo != null && cls != null) {
            throw ApiError.badField("slo", "invalid_value", "give either slo or slo_class, not both");
        }
        if (cls != null) {
            if (!(cls instanceof String name)) {
                throw ApiError.badField("slo_class", "invalid_type", "slo_class must be a string");
            }
            Slo named = settings.requests().sloClasses().get(name);
            if (named == null) {
                throw ApiError.badField("slo_class", "invalid_value", "unknown SLO class '" + name + "'; configured classes: "
                        + settings.requests().sloClasses().keySet());
            }
            return new RequestedSlo(name, named);
        }
        if (slo != null) {
            if (!(slo instanceof JsonObject o)) {
                throw ApiError.badField("slo", "invalid_type", "slo must be an object {\"ttft_ms\": ..., \"tpot_ms\": ...}");
            }
            if (o.getValue("ttft_ms") == null && o.getValue("tpot_ms") == null) {
                throw ApiError.badField("slo", "invalid_value", "slo needs ttft_ms, tpot_ms or both");
            }
            if (o.getValue("ttft_ms") != null) {
                ttft = sloValue(o.getValue("ttft_ms"), "slo.ttft_ms");
            }
            if (o.getValue("tpot_ms") != null) {
                tpot = sloValue(o.getValue("tpot_ms"), "slo.tpot_ms");
            }
            label = RequestedSlo.CUSTOM;
        }
        return new RequestedSlo(label, new Slo(ttft, tpot));
    }

    private static Object parseHeader(String value, String name) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw ApiError.badField(name, "invalid_value", "header " + name + " must be a number of milliseconds, got '" + value + "'");
        }
    }

    private static double sloValue(Object v, String param) {
        if (!(v instanceof Number num)) {
            throw ApiError.badField(param, "invalid_type", param + " must be a number of milliseconds");
        }
        double d = num.doubleValue();
        if (!Double.isFinite(d) || d <= 0 || d > Slo.MAX_MS) {
            throw ApiError.badField(param, "invalid_value", param + " must be a finite number of milliseconds in (0, "
                    + (long) Slo.MAX_MS + "], got " + v);
        }
        return d;
    }

    private static boolean isInteger(Number n) {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
            return true;
        }
        if (n instanceof java.math.BigInteger) {
            return true;
        }
        double d = n.doubleValue();
        return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 1e15;
    }

    private static boolean optionalBoolean(JsonObject o, String name, boolean fallback) {
        Object v = o.getValue(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw ApiError.badField(name, "invalid_type", name + " must be a boolean");
        }
        return b;
    }

    private static String requiredString(JsonObject o, String name) {
        return requiredString(o, name, name);
    }

    private static String requiredString(JsonObject o, String name, String param) {
        Object v = o.getValue(name);
        if (v == null) {
            throw ApiError.badField(param, "missing_required_parameter", param + " is required");
        }
        if (!(v instanceof String s)) {
            throw ApiError.badField(param, "invalid_type", param + " must be a string");
        }
        return s;
    }
}
