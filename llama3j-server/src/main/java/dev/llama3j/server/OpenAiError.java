package dev.llama3j.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error answered to the client as OpenAI does: an HTTP status and
 * {@code {"error": {"message", "type", "param", "code"}}}. The message is for people and never holds
 * a stack trace.
 */
public final class OpenAiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public OpenAiError(int status, String type, String message, String param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request is malformed or a parameter is out of range. */
    public static OpenAiError invalid(String message, String param) {
        return new OpenAiError(400, "invalid_request_error", message, param, param == null ? null : "invalid_value");
    }

    public static OpenAiError invalidType(String param, String expected) {
        return new OpenAiError(400, "invalid_request_error", "'" + param + "' must be " + expected, param,
                "invalid_type");
    }

    public static OpenAiError missing(String param) {
        return new OpenAiError(400, "invalid_request_error", "'" + param + "' is required", param,
                "missing_required_parameter");
    }

    public static OpenAiError modelNotFound(String model) {
        return new OpenAiError(404, "invalid_request_error", "The model '" + model
                + "' does not exist; GET /v1/models lists the models served here", "model", "model_not_found");
    }

    public static OpenAiError notFound(String method, String path) {
        return new OpenAiError(404, "invalid_request_error", "Unknown request URL: " + method + " " + path,
                null, "unknown_url");
    }

    public static OpenAiError unauthorized() {
        return new OpenAiError(401, "invalid_request_error",
                "Missing or incorrect API key; send it as 'Authorization: Bearer KEY'", null, "invalid_api_key");
    }

    public static OpenAiError tooLarge(long limit) {
        return new OpenAiError(413, "invalid_request_error", "The request body is larger than the limit of "
                + limit + " bytes", null, "request_too_large");
    }

    public static OpenAiError overloaded(String message) {
        return new OpenAiError(429, "rate_limit_error", message, null, "server_overloaded");
    }

    public static OpenAiError unavailable(String message) {
        return new OpenAiError(503, "server_error", message, null, "service_unavailable");
    }

    public static OpenAiError internal() {
        return new OpenAiError(500, "server_error", "The server had an error while processing the request", null,
                "internal_error");
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** The {@code {"error": {...}}} body. */
    public ObjectNode body() {
        ObjectNode root = JsonSupport.MAPPER.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return root;
    }
}
