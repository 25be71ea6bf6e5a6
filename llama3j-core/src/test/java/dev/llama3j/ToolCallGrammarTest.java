package dev.llama3j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.chat.Message;
import dev.llama3j.chat.Tool;
import dev.llama3j.chat.ToolChoice;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.grammar.Grammar;
import dev.llama3j.grammar.GrammarMatcher;
import dev.llama3j.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which answers the tool-call grammar admits, for forced calls and for strict tools under tool_choice auto. */
class ToolCallGrammarTest {
    private static final Map<String, Object> UNIT = Map.of("type", "object",
            "properties", Map.of("unit", Map.of("$ref", "#/$defs/unit")),
            "required", List.of("unit"), "additionalProperties", false,
            "$defs", Map.of("unit", Map.of("enum", List.of("C", "F"))));
    private static final Tool WEATHER = Tool.of("weather", null, UNIT);
    private static final Tool NOTE = Tool.of("note", null, Map.of("type", "object"));

    private static ChatRequest request(ToolChoice choice, Tool... tools) {
        return ChatRequest.of(List.of(Message.user("hi"))).withTools(List.of(tools)).withToolChoice(choice);
    }

    private static boolean admits(Grammar g, String answer) {
        GrammarMatcher m = GrammarMatcher.of(g);
        return m.acceptString(answer) && m.isComplete();
    }

    @Test
    void autoWithoutAStrictToolIsFree() {
        assertNull(ToolCallGrammar.of(request(ToolChoice.AUTO, WEATHER, NOTE)));
        assertFalse(Tool.fromJson(Json.parse("{\"type\": \"function\", \"function\": {\"name\": \"x\"}}")).strict());
    }

    @Test
    void aStrictToolUnderAutoAdmitsTextOrAValidCall() {
        Grammar g = ToolCallGrammar.of(request(ToolChoice.AUTO, WEATHER.asStrict(), NOTE));
        assertTrue(admits(g, "It is sunny."));
        assertTrue(admits(g, "\n Sunny {today}"));
        assertTrue(admits(g, "{\"name\": \"weather\", \"parameters\": {\"unit\": \"C\"}}"));
        assertFalse(admits(g, "{\"name\": \"weather\", \"parameters\": {\"unit\": \"K\"}}"), "outside the enum");
        // the tool that is not strict keeps its name but not its schema
        assertTrue(admits(g, "{\"name\": \"note\", \"parameters\": {\"any\": [1]}}"));
        assertFalse(admits(g, "{\"name\": \"other\", \"parameters\": {}}"), "no such tool");
        assertFalse(GrammarMatcher.of(g).acceptString(" {"), "a call after whitespace would escape the grammar");
        assertFalse(GrammarMatcher.of(g).acceptString("{\"answer\""), "text may not start like a call");
    }

    @Test
    void aForcedCallFollowsTheSchemaAndItsRefs() {
        Grammar g = ToolCallGrammar.of(request(ToolChoice.named("weather"), WEATHER, NOTE));
        assertTrue(admits(g, "{\"name\": \"weather\", \"parameters\": {\"unit\": \"F\"}}"));
        assertFalse(admits(g, "It is sunny."));
        assertFalse(admits(g, "{\"name\": \"note\", \"parameters\": {}}"));
    }

    @Test
    void strictMustBeABoolean() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> Tool.fromJson(Json.parse(
                "{\"type\": \"function\", \"function\": {\"name\": \"x\", \"strict\": \"yes\"}}")));
        assertEquals("tool function.strict must be true or false", e.getMessage());
        assertTrue(Tool.fromJson(Json.parse("{\"type\": \"function\", \"function\": {\"name\": \"x\", \"strict\": true}}"))
                .strict());
    }

    @Test
    void aStrictToolUnderAutoAndAResponseFormatAreRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> ToolCallGrammar.of(
                request(ToolChoice.AUTO, WEATHER.asStrict()).withGrammar(Grammar.parse("root ::= \"x\""))));
        assertTrue(e.getMessage().contains("strict tools under 'tool_choice' auto"), e.getMessage());
    }
}
