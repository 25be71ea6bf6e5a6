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
 * The grammar of a forced tool call: with {@code tool_choice} required (custom tools only) or naming a
 * custom tool, the answer must be Llama 3.1's JSON call, {@code {"name": NAME, "parameters": ARGS}},
 * with ARGS valid against that tool's parameter schema, as vLLM's guided decoding does for these
 * choices. The call is written as a JSON Schema (name a {@code const}, parameters the tool's schema,
 * one branch per tool) and converted like any other schema, so its arguments always parse and
 * validate. Built-in tools ({@code brave_search.call(...)}) are not JSON and keep the forced start of
 * {@link ChatPrompt}.
 */
final class ToolCallGrammar {
    private ToolCallGrammar() {}

    /** Whether {@code r}'s tool choice is answered under a call grammar (then no forced start is needed). */
    static boolean applies(ChatRequest r) {
        ToolChoice c = r.toolChoice();
        return switch (c.mode()) {
            case NAMED -> !r.builtinTools().contains(c.name());
            case REQUIRED -> !r.tools().isEmpty() && r.builtinTools().isEmpty();
            default -> false;
        };
    }

    /**
     * The call grammar of {@code r}, or null when its tool choice does not force a JSON call.
     *
     * @throws InvalidRequestException when a tool's parameter schema cannot be honoured (param
     *     {@code tools}), or when the request also has its own grammar ({@code response_format})
     */
    static Grammar of(ChatRequest r) {
        if (!applies(r)) {
            return null;
        }
        if (r.grammar() != null) {
            throw new InvalidRequestException("'response_format' cannot be combined with a forced tool call"
                    + " ('tool_choice' required or named): the call's arguments already follow the tool's schema",
                    "response_format");
        }
        List<Object> calls = new ArrayList<>();
        for (Tool t : r.tools()) {
            if (r.toolChoice().mode() == ToolChoice.Mode.NAMED && !t.name().equals(r.toolChoice().name())) {
                continue;
            }
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("name", Map.of("const", t.name()));
            props.put("parameters", t.parameters() == null || t.parameters().isEmpty()
                    ? Map.of("type", "object") : t.parameters());
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("type", "object");
            call.put("properties", props);
            call.put("required", List.of("name", "parameters"));
            call.put("additionalProperties", false);
            calls.add(call);
        }
        Object schema = calls.size() == 1 ? calls.getFirst() : Map.of("anyOf", calls);
        try {
            return Grammar.parse(JsonSchemaToGbnf.convertParsed(schema));
        } catch (GrammarException e) {
            throw new InvalidRequestException("a tool's 'parameters' schema cannot constrain its call: "
                    + e.getMessage(), "tools");
        }
    }
}
