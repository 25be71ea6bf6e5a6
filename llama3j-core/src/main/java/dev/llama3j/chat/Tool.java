package dev.llama3j.chat;

import dev.llama3j.error.InvalidRequestException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A function the model may call, in the OpenAI shape
 * {@code {"type": "function", "function": {"name", "description", "parameters"}}}. A tool read from
 * JSON keeps that JSON exactly (key order and extra fields), because the template prints it with
 * {@code tojson} and the prompt should match what other servers produce.
 */
public final class Tool {
    private final String name;
    private final String description;
    private final Map<String, Object> parameters;
    private final Map<String, Object> json;
    private final boolean strict;

    private Tool(String name, String description, Map<String, Object> parameters, Map<String, Object> json,
            boolean strict) {
        this.name = name;
        this.description = description;
        this.parameters = parameters;
        this.json = json;
        this.strict = strict;
    }

    /**
     * @param description may be null
     * @param parameters a JSON schema object, may be null
     */
    public static Tool of(String name, String description, Map<String, Object> parameters) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a tool needs a name");
        }
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        if (description != null) {
            function.put("description", description);
        }
        if (parameters != null) {
            function.put("parameters", parameters);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", "function");
        json.put("function", function);
        return new Tool(name, description, parameters, Collections.unmodifiableMap(json), false);
    }

    /**
     * This tool with OpenAI's {@code strict: true}: its calls always follow its parameter schema, also
     * when the model chooses whether to call ({@code tool_choice} auto). The prompt is unchanged (the
     * template prints {@code name}, {@code description} and {@code parameters}).
     */
    public Tool asStrict() {
        return new Tool(name, description, parameters, json, true);
    }

    /** @throws InvalidRequestException when the JSON is not a function tool with a name */
    @SuppressWarnings("unchecked")
    public static Tool fromJson(Object json) {
        if (!(json instanceof Map<?, ?> m)) {
            throw new InvalidRequestException("a tool must be a JSON object", "tools");
        }
        Object type = m.get("type");
        if (type != null && !"function".equals(type)) {
            throw new InvalidRequestException("tool type must be \"function\", not " + type, "tools");
        }
        if (!(m.get("function") instanceof Map<?, ?> f)) {
            throw new InvalidRequestException("a tool needs a \"function\" object with name, description and parameters", "tools");
        }
        if (!(f.get("name") instanceof String name) || name.isEmpty()) {
            throw new InvalidRequestException("tool function.name must be a non-empty string", "tools");
        }
        Object description = f.get("description");
        if (description != null && !(description instanceof String)) {
            throw new InvalidRequestException("tool function.description must be a string", "tools");
        }
        Object parameters = f.get("parameters");
        if (parameters != null && !(parameters instanceof Map)) {
            throw new InvalidRequestException("tool function.parameters must be a JSON schema object", "tools");
        }
        Object strict = f.get("strict");
        if (strict != null && !(strict instanceof Boolean)) {
            throw new InvalidRequestException("tool function.strict must be true or false", "tools");
        }
        return new Tool(name, (String) description, (Map<String, Object>) parameters, (Map<String, Object>) m,
                Boolean.TRUE.equals(strict));
    }

    /** Reads a request's {@code tools} array; null gives an empty list. */
    public static List<Tool> listFromJson(Object json) {
        if (json == null) {
            return List.of();
        }
        if (!(json instanceof List<?> list)) {
            throw new InvalidRequestException("tools must be an array", "tools");
        }
        List<Tool> tools = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            try {
                tools.add(fromJson(list.get(i)));
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException("tools[" + i + "]: " + e.getMessage(), "tools");
            }
        }
        return tools;
    }

    public String name() {
        return name;
    }

    /** May be null. */
    public String description() {
        return description;
    }

    /** The JSON schema of the arguments; may be null. */
    public Map<String, Object> parameters() {
        return parameters;
    }

    /** Whether calls must follow the parameter schema whether or not the call was forced ({@code strict}). */
    public boolean strict() {
        return strict;
    }

    /** The tool as the template sees it. */
    public Map<String, Object> toJson() {
        return json;
    }

    @Override
    public String toString() {
        return "Tool[" + name + "]";
    }
}
