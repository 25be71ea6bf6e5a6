package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llama3j.error.GrammarException;
import dev.llama3j.grammar.Grammar;
import dev.llama3j.grammar.JsonSchemaToGbnf;
import java.util.ArrayList;
import java.util.List;

/**
 * The request fields that constrain what the model may write, read into one {@link Grammar}:
 * llama.cpp's {@code grammar} (GBNF text) and {@code json_schema} on both completion routes, and on
 * chat completions OpenAI's {@code response_format} ({@code text}, {@code json_object}, or
 * {@code json_schema} with {@code {"name", "schema", "strict"}}). At most one may be given. A grammar
 * that does not parse, a schema keyword that cannot be honoured or a schema that admits nothing is a
 * 400 naming the field.
 */
final class OutputConstraint {
    private OutputConstraint() {}

    /** The grammar the request asks for, or null. */
    static Grammar read(Params p, boolean chat) {
        List<String> given = new ArrayList<>();
        for (String f : chat ? List.of("grammar", "json_schema", "response_format") : List.of("grammar", "json_schema")) {
            if (p.has(f) && !p.raw(f).isNull()) {
                given.add(f);
            }
        }
        if (given.isEmpty()) {
            return null;
        }
        if (given.size() > 1) {
            throw OpenAiError.invalid("Give at most one of " + String.join(", ", given) + ": each constrains the"
                    + " whole output", given.get(1));
        }
        return switch (given.getFirst()) {
            case "grammar" -> {
                String gbnf = p.requiredString("grammar");
                yield parse(() -> Grammar.parse(gbnf), "grammar", "grammar");
            }
            case "json_schema" -> schema(p.raw("json_schema"), "json_schema");
            default -> responseFormat(p.object("response_format"));
        };
    }

    private static Grammar responseFormat(Params rf) {
        if (rf == null) {
            throw OpenAiError.invalidType("response_format", "an object such as {\"type\": \"json_object\"}");
        }
        String type = rf.requiredString("type");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> Grammar.parse(JsonSchemaToGbnf.anyJsonObject());
            case "json_schema" -> {
                Params js = rf.object("json_schema");
                if (js == null) {
                    throw OpenAiError.missing(rf.path("json_schema"));
                }
                // Read only to check their types: a strict schema is always followed here.
                js.string("name");
                js.bool("strict");
                JsonNode schema = js.raw("schema");
                // OpenAI allows the schema to be left out: then any JSON object.
                yield schema == null ? Grammar.parse(JsonSchemaToGbnf.anyJsonObject())
                        : schema(schema, js.path("schema"));
            }
            default -> throw OpenAiError.invalid("'" + rf.path("type") + "' must be 'text', 'json_object' or"
                    + " 'json_schema', got '" + type + "'", rf.path("type"));
        };
    }

    private static Grammar schema(JsonNode schema, String field) {
        if (!schema.isObject() && !schema.isBoolean()) {
            throw OpenAiError.invalidType(field, "a JSON Schema (an object)");
        }
        String text = JsonSupport.string(schema);
        return parse(() -> JsonSchemaToGbnf.grammar(text), field, "schema");
    }

    private interface GrammarSource {
        Grammar get();
    }

    /** Runs the parser; its error becomes a 400 on {@code field} ({@code what}: grammar or schema). */
    private static Grammar parse(GrammarSource source, String field, String what) {
        try {
            return source.get();
        } catch (GrammarException e) {
            throw OpenAiError.invalid("'" + field + "' is not a usable " + what + ": " + e.getMessage(), field);
        }
    }
}
