package dev.llama3j.chat;

import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads the text of one generated assistant message as content or tool calls, in the forms Llama
 * 3.1 produces:
 * <ul>
 *   <li>built-in tools after {@code <|python_tag|>}: {@code brave_search.call(query="...")}, ended by
 *       {@code <|eom_id|>}; with {@code code_interpreter} enabled, any other text after the tag is
 *       code and becomes {@code code_interpreter} with {@code {"code": text}};
 *   <li>custom tools as JSON, {@code {"name": ..., "parameters": {...}}} (or {@code "arguments"}, also
 *       as a JSON string), with or without {@code <|python_tag|>}; without the tag only when tools
 *       were offered and the name is one of them, so that a JSON answer stays an answer;
 *   <li>several calls separated by {@code ;}.
 * </ul>
 * Text that is not a well-formed call stays content: this never throws on model output.
 *
 * <pre>{@code
 * ToolCallParser parser = ToolCallParser.forRequest(tools, List.of("brave_search"));
 * ParsedMessage m = parser.parse(generatedText, stopTokenId);   // stopTokenId -1 when cut off by the length limit
 * }</pre>
 *
 * Thread-safe; {@link #streaming()} makes a per-message parser for deltas.
 */
public final class ToolCallParser {
    /** Pass as the end token when generation stopped at the length limit. */
    public static final int NO_END_TOKEN = -1;

    private static final String PYTHON_TAG = Llama3Tokens.PYTHON_TAG_TEXT;
    private static final Set<String> CALL_KEYS = Set.of("name", "parameters", "arguments", "type");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final Set<String> toolNames;
    private final Set<String> builtinTools;
    private final Supplier<String> ids;

    /**
     * @param toolNames names of the custom tools offered (empty: JSON without the python tag is content)
     * @param builtinTools built-in tools enabled ({@code brave_search}, {@code wolfram_alpha}, {@code code_interpreter})
     */
    public ToolCallParser(Collection<String> toolNames, Collection<String> builtinTools) {
        this(Set.copyOf(toolNames), Set.copyOf(builtinTools), ToolCallParser::randomId);
    }

    private ToolCallParser(Set<String> toolNames, Set<String> builtinTools, Supplier<String> ids) {
        this.toolNames = toolNames;
        this.builtinTools = builtinTools;
        this.ids = ids;
    }

    /** A parser for a request's tools (may be null) and built-in tools (may be null). */
    public static ToolCallParser forRequest(List<Tool> tools, List<String> builtinTools) {
        List<String> names = new ArrayList<>();
        if (tools != null) {
            tools.forEach(t -> names.add(t.name()));
        }
        return new ToolCallParser(names, builtinTools == null ? List.of() : builtinTools);
    }

    /** The same parser giving calls the ids that {@code ids} supplies (default: random {@code call_...}). */
    public ToolCallParser withIdGenerator(Supplier<String> ids) {
        return new ToolCallParser(toolNames, builtinTools, ids);
    }

    /** A fresh streaming parser for one message. */
    public StreamingToolCallParser streaming() {
        return new StreamingToolCallParser(this);
    }

    /** Whether a message starting with {@code {} may be a JSON call (custom tools were offered). */
    boolean jsonCallsEnabled() {
        return !toolNames.isEmpty();
    }

    /**
     * Parses a message whose text may end with the text of the token that ended it
     * ({@code <|eom_id|>}, {@code <|eot_id|>} or {@code <|end_of_text|>}); without one the message
     * counts as ended normally.
     */
    public ParsedMessage parse(String text) {
        if (text.endsWith(Llama3Tokens.EOM_TEXT)) {
            return parse(text.substring(0, text.length() - Llama3Tokens.EOM_TEXT.length()), Llama3Tokens.EOM);
        }
        if (text.endsWith(Llama3Tokens.EOT_TEXT)) {
            return parse(text.substring(0, text.length() - Llama3Tokens.EOT_TEXT.length()), Llama3Tokens.EOT);
        }
        if (text.endsWith(Llama3Tokens.END_OF_TEXT_TEXT)) {
            return parse(text.substring(0, text.length() - Llama3Tokens.END_OF_TEXT_TEXT.length()), Llama3Tokens.END_OF_TEXT);
        }
        return parse(text, Llama3Tokens.EOT);
    }

    /**
     * Parses a message's text (without the end token's text).
     *
     * @param endTokenId the token that ended generation ({@code 128008} eom, {@code 128009} eot,
     *     {@code 128001} end of text, or another stop token), or {@link #NO_END_TOKEN} when the
     *     length limit cut it off: then the text is content with finish reason length
     */
    public ParsedMessage parse(String text, int endTokenId) {
        if (endTokenId == NO_END_TOKEN) {
            return new ParsedMessage(text.replace(PYTHON_TAG, ""), List.of(), FinishReason.LENGTH);
        }
        int tag = text.indexOf(PYTHON_TAG);
        if (tag >= 0) {
            String before = text.substring(0, tag);
            String after = text.substring(tag + PYTHON_TAG.length());
            List<ToolCall> calls = afterPythonTag(after);
            if (calls != null) {
                return new ParsedMessage(before.isBlank() ? null : before, calls, FinishReason.TOOL_CALLS);
            }
            return new ParsedMessage(before + after.replace(PYTHON_TAG, ""), List.of(), FinishReason.STOP);
        }
        if (jsonCallsEnabled() && text.strip().startsWith("{")) {
            List<ToolCall> calls = jsonCalls(text.strip(), true);
            if (calls != null) {
                return new ParsedMessage(null, calls, FinishReason.TOOL_CALLS);
            }
        }
        return new ParsedMessage(text, List.of(), FinishReason.STOP);
    }

    private List<ToolCall> afterPythonTag(String after) {
        String body = after.strip();
        List<ToolCall> calls = null;
        if (body.startsWith("{")) {
            calls = jsonCalls(body, false);
        } else if (!body.isEmpty()) {
            List<PythonCallReader.Call> builtin = PythonCallReader.read(body);
            if (builtin != null) {
                calls = new ArrayList<>();
                for (PythonCallReader.Call c : builtin) {
                    calls.add(new ToolCall(ids.get(), c.name(), c.arguments(), c.text()));
                }
            }
        }
        if (calls == null && builtinTools.contains("code_interpreter") && !body.isEmpty()) {
            calls = List.of(new ToolCall(ids.get(), "code_interpreter", Map.of("code", after), after));
        }
        return calls;
    }

    /** One or more JSON calls separated by {@code ;}, or null if any piece is not a call. */
    private List<ToolCall> jsonCalls(String text, boolean requireOfferedName) {
        List<ToolCall> calls = new ArrayList<>();
        int pos = 0;
        while (pos < text.length()) {
            int end = jsonObjectEnd(text, pos);
            if (end < 0) {
                return null;
            }
            String piece = text.substring(pos, end);
            ToolCall call = jsonCall(piece, requireOfferedName);
            if (call == null) {
                return null;
            }
            calls.add(call);
            pos = skipSpace(text, end);
            if (pos < text.length()) {
                if (text.charAt(pos) != ';') {
                    return null;
                }
                pos = skipSpace(text, pos + 1);
            }
        }
        return calls.isEmpty() ? null : calls;
    }

    /** One JSON call object as a ToolCall with a fresh id, or null. */
    private ToolCall jsonCall(String piece, boolean requireOfferedName) {
        JsonCall c = readJsonCall(piece, requireOfferedName);
        return c == null ? null : new ToolCall(ids.get(), c.name(), c.arguments(), piece);
    }

    /** A JSON call's name and arguments. */
    record JsonCall(String name, Map<String, Object> arguments) { }

    /** Reads {@code {"name": ..., "parameters"|"arguments": ...}}, or returns null when the text is not that. */
    JsonCall readJsonCall(String piece, boolean requireOfferedName) {
        Object parsed;
        try {
            parsed = Json.parse(piece);
        } catch (JsonException e) {
            return null;
        }
        if (!(parsed instanceof Map<?, ?> m) || !(m.get("name") instanceof String name) || name.isEmpty()) {
            return null;
        }
        for (Object key : m.keySet()) {
            if (!CALL_KEYS.contains(key)) {
                return null;
            }
        }
        if (m.containsKey("type") && !"function".equals(m.get("type"))) {
            return null;
        }
        if (requireOfferedName && !toolNames.contains(name)) {
            return null;
        }
        Object args = m.containsKey("parameters") ? m.get("parameters") : m.get("arguments");
        if (args instanceof String s) {
            try {
                args = Json.parse(s);
            } catch (JsonException e) {
                return null;
            }
        }
        if (args == null) {
            args = Map.of();
        }
        if (!(args instanceof Map<?, ?>)) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> arguments = (Map<String, Object>) args;
        return new JsonCall(name, arguments);
    }

    /**
     * Index just after the JSON object starting at {@code start} (brackets balanced outside
     * strings), or -1 when it does not close within the text.
     */
    static int jsonObjectEnd(String text, int start) {
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
                if (depth < 0) {
                    return -1;
                }
            } else if (depth == 0 && !Character.isWhitespace(c)) {
                return -1;
            }
        }
        return -1;
    }

    private static int skipSpace(String s, int pos) {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
        return pos;
    }

    private static String randomId() {
        StringBuilder sb = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) {
            sb.append(ID_CHARS.charAt(RANDOM.nextInt(ID_CHARS.length())));
        }
        return sb.toString();
    }
}
