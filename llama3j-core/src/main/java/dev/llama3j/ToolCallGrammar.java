package dev.llama3j;

import dev.llama3j.chat.Tool;
import dev.llama3j.chat.ToolChoice;
import dev.llama3j.error.GrammarException;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.grammar.Grammar;
import dev.llama3j.grammar.JsonSchemaToGbnf;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The grammar of a tool call that must follow its tool's schema. With {@code tool_choice} required
 * (custom tools only) or naming a custom tool, the answer must be Llama 3.1's JSON call,
 * {@code {"name": NAME, "parameters": ARGS}}, with ARGS valid against that tool's parameter schema, as
 * vLLM's guided decoding does for these choices. With {@code tool_choice} auto and a tool marked
 * {@code strict} (and no built-in tools), the answer is either such a call or text that does not start
 * with {@code '{'} (leading whitespace aside): what {@link dev.llama3j.chat.ToolCallParser} would read as
 * a JSON call is held to the grammar from its first character, like llama.cpp's lazy grammars that a
 * leading {@code '{'} triggers. The call is written as a JSON Schema (name a {@code const}, parameters
 * the tool's schema, with its local {@code $ref}s re-pointed, one branch per tool) and converted like any
 * other schema, so its arguments always parse and validate. Built-in tools ({@code brave_search.call(...)})
 * are not JSON: a forced one keeps the forced start of {@link ChatPrompt}, and with built-in tools in the
 * request, {@code tool_choice} auto is not constrained.
 */
final class ToolCallGrammar {
    private ToolCallGrammar() {}

    /**
     * Characters that {@link Character#isWhitespace} accepts, as a GBNF class body: the text branch may
     * start with any of them, and its first other character is not {@code '{'}.
     */
    private static final String WHITESPACE = " \\t\\n\\r\\x0B\\x0C\\x1C-\\x1F\\u1680\\u2000-\\u2006\\u2008-\\u200A"
            + "\\u2028\\u2029\\u205F\\u3000";

    /** Whether {@code r}'s tool choice forces a JSON call (then no forced start is needed). */
    static boolean applies(ChatRequest r) {
        ToolChoice c = r.toolChoice();
        return switch (c.mode()) {
            case NAMED -> !r.builtinTools().contains(c.name());
            case REQUIRED -> !r.tools().isEmpty() && r.builtinTools().isEmpty();
            default -> false;
        };
    }

    /** Whether the model chooses between text and a call that must follow a strict tool's schema. */
    static boolean strictChoice(ChatRequest r) {
        return r.toolChoice().mode() == ToolChoice.Mode.AUTO && r.builtinTools().isEmpty()
                && r.tools().stream().anyMatch(Tool::strict);
    }

    /**
     * The call grammar of {@code r}, or null when neither a forced call nor a strict tool asks for one.
     *
     * @throws InvalidRequestException when a tool's parameter schema cannot be honoured (param
     *     {@code tools}), or when the request also has its own grammar ({@code response_format})
     */
    static Grammar of(ChatRequest r) {
        boolean forced = applies(r);
        if (!forced && !strictChoice(r)) {
            return null;
        }
        if (r.grammar() != null) {
            throw new InvalidRequestException("'response_format' cannot be combined with "
                    + (forced ? "a forced tool call ('tool_choice' required or named): the call's arguments already"
                            + " follow the tool's schema"
                            : "strict tools under 'tool_choice' auto: both would constrain the same answer"),
                    "response_format");
        }
        List<Tool> tools = new ArrayList<>();
        for (Tool t : r.tools()) {
            if (r.toolChoice().mode() != ToolChoice.Mode.NAMED || t.name().equals(r.toolChoice().name())) {
                tools.add(t);
            }
        }
        List<Object> calls = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            Tool t = tools.get(i);
            // a forced call follows every tool's schema (as vLLM's); a free choice only the strict tools'
            boolean followSchema = forced || t.strict();
            String at = (tools.size() == 1 ? "#" : "#/anyOf/" + i) + "/properties/parameters";
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("name", Map.of("const", t.name()));
            props.put("parameters", !followSchema || t.parameters() == null || t.parameters().isEmpty()
                    ? Map.of("type", "object") : repoint(t.parameters(), at));
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("type", "object");
            call.put("properties", props);
            call.put("required", List.of("name", "parameters"));
            call.put("additionalProperties", false);
            calls.add(call);
        }
        Object schema = calls.size() == 1 ? calls.getFirst() : Map.of("anyOf", calls);
        String gbnf;
        try {
            gbnf = JsonSchemaToGbnf.convertParsed(schema);
        } catch (GrammarException e) {
            throw new InvalidRequestException("a tool's 'parameters' schema cannot constrain its call: "
                    + e.getMessage(), "tools");
        }
        return Grammar.parse(forced ? gbnf : callOrText(gbnf));
    }

    /** The converter's grammar (its start rule {@code root}) as one branch, text not starting with '{' the other. */
    private static String callOrText(String callGrammar) {
        if (!callGrammar.startsWith("root ::= ")) {
            throw new IllegalStateException("the converter's grammar does not start with its root rule");
        }
        return "root ::= tool-call | free-text\n"
                + "free-text ::= [" + WHITESPACE + "]* ( [^{" + WHITESPACE + "] [^\\x00]* )?\n"
                + "tool-call ::= " + callGrammar.substring("root ::= ".length());
    }

    /**
     * A copy of a tool's parameter schema whose local references ({@code #/$defs/...}) point into the
     * call schema that holds it at {@code at}.
     */
    @SuppressWarnings("unchecked")
    private static Object repoint(Object schema, String at) {
        if (schema instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put((String) k, k.equals("$ref") && v instanceof String ref && ref.startsWith("#")
                    ? at + ref.substring(1) : repoint(v, at)));
            return copy;
        }
        if (schema instanceof List<?> l) {
            List<Object> copy = new ArrayList<>(l.size());
            l.forEach(v -> copy.add(repoint(v, at)));
            return copy;
        }
        return schema;
    }
}
