package dev.llama3j.cli;

import dev.llama3j.chat.ToolCall;
import dev.llama3j.json.Json;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Writes a tool call the way a person reads it, e.g.
 * {@code → tool call brave_search(query="current weather in Menlo Park, CA")}: the name, then each
 * argument as {@code name=value} with the value in JSON (strings quoted, non-ASCII kept).
 */
final class ToolCallPrinter {
    static final String ARROW = "→ tool call ";

    private ToolCallPrinter() {}

    static String line(ToolCall call) {
        // code_interpreter's one argument is a program: show it as code, not as an escaped string.
        if (call.name().equals("code_interpreter") && call.arguments().size() == 1
                && call.arguments().get("code") instanceof String code) {
            return ARROW + "code_interpreter:\n" + code.strip().indent(4).stripTrailing();
        }
        return ARROW + signature(call);
    }

    /** {@code name(arg="value", n=3)}. */
    static String signature(ToolCall call) {
        StringJoiner args = new StringJoiner(", ", call.name() + "(", ")");
        for (Map.Entry<String, Object> e : call.arguments().entrySet()) {
            args.add(e.getKey() + "=" + Json.write(e.getValue(), -1, false));
        }
        return args.toString();
    }
}
