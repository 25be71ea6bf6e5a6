package dev.llama3j.chat;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One function call made by the assistant.
 *
 * @param id the call's id ({@code call_...}), echoed by the tool result's {@code tool_call_id}; may be null
 * @param name the function, e.g. {@code get_current_conditions} or a built-in such as {@code brave_search}
 * @param arguments the arguments as JSON data (Map, List, String, Long, Double, Boolean, null)
 * @param rawText the text the model generated for this call, when it came from the model; else null
 */
public record ToolCall(String id, String name, Map<String, Object> arguments, String rawText) {
    public ToolCall {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a tool call needs a name");
        }
        arguments = arguments == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(arguments));
    }

    public static ToolCall of(String name, Map<String, Object> arguments) {
        return new ToolCall(null, name, arguments, null);
    }

    /** The arguments as compact JSON text, as OpenAI's {@code function.arguments} carries them. */
    public String argumentsJson() {
        return Json.write(arguments, -1, false);
    }

    /**
     * The form chat templates read: {@code {"id", "type": "function", "function": {"name", "arguments": {...}}}}
     * with the arguments as an object (Hugging Face's convention), the id only when there is one.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        function.put("arguments", arguments);
        Map<String, Object> m = new LinkedHashMap<>();
        if (id != null) {
            m.put("id", id);
        }
        m.put("type", "function");
        m.put("function", function);
        return m;
    }

    /** The OpenAI response form: as {@link #toMap()} but with the arguments as a JSON string. */
    public Map<String, Object> toOpenAiJson() {
        Map<String, Object> m = toMap();
        @SuppressWarnings("unchecked")
        Map<String, Object> function = (Map<String, Object>) m.get("function");
        function.put("arguments", argumentsJson());
        return m;
    }

    /**
     * Reads an OpenAI tool call {@code {"id", "type": "function", "function": {"name", "arguments"}}};
     * the arguments may be an object or a JSON string holding one.
     *
     * @throws InvalidRequestException naming what is wrong
     */
    public static ToolCall fromJson(Object json) {
        return fromJson(json, "tool_calls[0]");
    }

    static ToolCall fromJson(Object json, String where) {
        if (!(json instanceof Map<?, ?> m)) {
            throw new InvalidRequestException(where + " must be an object", "messages");
        }
        Object type = m.get("type");
        if (type != null && !"function".equals(type)) {
            throw new InvalidRequestException(where + ".type must be \"function\"", "messages");
        }
        if (!(m.get("function") instanceof Map<?, ?> f)) {
            throw new InvalidRequestException(where + ".function must be an object with a name and arguments", "messages");
        }
        if (!(f.get("name") instanceof String name) || name.isEmpty()) {
            throw new InvalidRequestException(where + ".function.name must be a non-empty string", "messages");
        }
        Object args = f.get("arguments");
        if (args instanceof String s) {
            try {
                args = s.isBlank() ? Map.of() : Json.parse(s);
            } catch (JsonException e) {
                throw new InvalidRequestException(where + ".function.arguments is not valid JSON: " + e.getMessage(), "messages");
            }
        }
        if (args != null && !(args instanceof Map)) {
            throw new InvalidRequestException(where + ".function.arguments must be a JSON object", "messages");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> arguments = (Map<String, Object>) args;
        Object id = m.get("id");
        return new ToolCall(id instanceof String s ? s : null, name, arguments, null);
    }
}
