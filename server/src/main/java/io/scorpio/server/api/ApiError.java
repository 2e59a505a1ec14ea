package io.scorpio.server.api;

import io.vertx.core.json.JsonObject;

/**
 * An error the client sees, in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}}.
 * Thrown by validation, turned into a response by the ingress; never a stack trace on the wire.
 */
public class ApiError extends RuntimeException {

    public static final String INVALID_REQUEST = "invalid_request_error";

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiError(int status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** The same error, for a subclass that adds what it knows. */
    protected ApiError(ApiError e) {
        this(e.status, e.type, e.param, e.code, e.getMessage());
    }

    /** 400 for a bad field. */
    public static ApiError badField(String param, String code, String message) {
        return new ApiError(400, INVALID_REQUEST, param, code, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public JsonObject body() {
        return body(getMessage(), type, param, code);
    }

    public static JsonObject body(String message, String type, String param, String code) {
        return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type).put("param", param)
                .put("code", code));
    }
}
