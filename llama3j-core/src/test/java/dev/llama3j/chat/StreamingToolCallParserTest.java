package dev.llama3j.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamingToolCallParserTest {
    private static final ToolCallParser PARSER = ToolCallParserTest.parser(List.of(ToolCallParserTest.CONDITIONS), ToolCallParserTest.BUILTIN);
    private static final String PYTHON_TAG = "<|python_tag|>";

    /** What a character-by-character stream produced. */
    private record Streamed(List<String> deltas, String finalDelta, ParsedMessage result, List<StreamingToolCallParser.State> states) {
        String content() {
            return String.join("", deltas) + finalDelta;
        }
    }

    private static Streamed stream(ToolCallParser parser, String text, int endToken) {
        StreamingToolCallParser s = parser.streaming();
        List<String> deltas = new ArrayList<>();
        List<StreamingToolCallParser.State> states = new ArrayList<>();
        text.codePoints().forEach(cp -> {
            deltas.add(s.feed(Character.toString(cp)));
            states.add(s.state());
        });
        String last = s.finish(endToken);
        return new Streamed(deltas, last, s.result(), states);
    }

    /** Streaming must agree with parsing the whole text, and the released deltas must add up to its content. */
    private static Streamed check(ToolCallParser parser, String text, int endToken) {
        Streamed s = stream(parser, text, endToken);
        ParsedMessage whole = parser.parse(text, endToken);
        assertEquals(whole.content(), s.result().content(), text);
        assertEquals(whole.finishReason(), s.result().finishReason(), text);
        assertEquals(whole.toolCalls().stream().map(c -> c.name() + c.arguments()).toList(),
                s.result().toolCalls().stream().map(c -> c.name() + c.arguments()).toList(), text);
        assertEquals(whole.content() == null ? "" : whole.content(), s.content(), text);
        return s;
    }

    @Test
    void plainContentIsReleasedAtOnce() {
        Streamed s = check(PARSER, "Hello, world!", Llama3Tokens.EOT);
        assertEquals("H", s.deltas().getFirst());
        assertEquals(StreamingToolCallParser.State.CONTENT, s.states().getFirst());
        assertEquals("", s.finalDelta());
    }

    @Test
    void builtinCallIsHeldBackFromItsFirstCharacter() {
        String text = PYTHON_TAG + "brave_search.call(query=\"current weather in Menlo Park, CA\")";
        Streamed s = check(PARSER, text, Llama3Tokens.EOM);
        assertTrue(s.deltas().stream().allMatch(String::isEmpty));
        assertEquals(StreamingToolCallParser.State.UNDECIDED, s.states().get(5)); // "<|pyth": still a maybe
        assertEquals(StreamingToolCallParser.State.TOOL_CALL, s.states().get(PYTHON_TAG.length() - 1));
        assertEquals(FinishReason.TOOL_CALLS, s.result().finishReason());
        assertEquals("brave_search", s.result().toolCalls().getFirst().name());
    }

    @Test
    void jsonCallIsHeldBack() {
        Streamed s = check(PARSER, " {\"name\": \"get_current_conditions\", \"parameters\": {\"location\": \"Tokyo\", \"unit\": \"Celsius\"}}",
                Llama3Tokens.EOT);
        assertTrue(s.deltas().stream().allMatch(String::isEmpty));
        assertEquals(StreamingToolCallParser.State.UNDECIDED, s.states().getFirst());
        assertEquals(StreamingToolCallParser.State.TOOL_CALL, s.states().get(1));
        assertEquals(FinishReason.TOOL_CALLS, s.result().finishReason());
    }

    @Test
    void jsonThatCannotBeACallIsReleasedEarly() {
        Streamed s = check(PARSER, "{x: 1} and more text", Llama3Tokens.EOT);
        assertEquals("{x", s.deltas().get(1)); // released as soon as the key is not a string
        Streamed closed = check(PARSER, "{\"name\": \"nope\"} then text", Llama3Tokens.EOT);
        int released = closed.deltas().indexOf("{\"name\": \"nope\"}");
        assertEquals("{\"name\": \"nope\"}".length() - 1, released); // at the closing brace
        // Without offered tools '{' is ordinary content.
        Streamed plain = check(ToolCallParserTest.parser(List.of(), List.of()), "{\"a\": 1}", Llama3Tokens.EOT);
        assertEquals("{", plain.deltas().getFirst());
    }

    @Test
    void malformedBuiltinCallIsReleasedAtTheEnd() {
        String body = "brave_search.call(query=\"current weather in Quontor is.call(query=\"current weather in Queldom\")";
        Streamed s = check(PARSER, PYTHON_TAG + body, Llama3Tokens.EOM);
        assertTrue(s.deltas().stream().allMatch(String::isEmpty));
        assertEquals(body, s.finalDelta());
        assertEquals(FinishReason.STOP, s.result().finishReason());
    }

    @Test
    void pythonTagAfterContentStartsACall() {
        Streamed s = check(PARSER, "Searching <|pyth now " + PYTHON_TAG + "brave_search.call(query=\"x\")", Llama3Tokens.EOM);
        assertEquals("Searching <|pyth now ", s.content());
        assertEquals(FinishReason.TOOL_CALLS, s.result().finishReason());
        // The partial "<|pyth" was held back until it could not be the tag.
        int atLt = "Searching ".length();
        assertEquals("", s.deltas().get(atLt));
    }

    @Test
    void otherShapesAgreeWithWholeTextParsing() {
        for (String text : List.of("", "   ", "\n\nHi", "<|python", PYTHON_TAG, " " + PYTHON_TAG + "  ", "{", "{\"name\"",
                "{\"name\": \"get_current_conditions\", \"parameters\": {}} ; {\"name\": \"get_current_conditions\", \"parameters\": {}}",
                "{\"name\": \"get_current_conditions\", \"parameters\": {}} x", "{\"name\": \"get_current_conditions\"}" + PYTHON_TAG + "brave_search.call(q=\"1\")",
                "emoji 😀 " + PYTHON_TAG + "garbage(", "a" + PYTHON_TAG + "b" + PYTHON_TAG + "c")) {
            for (int end : new int[] {Llama3Tokens.EOT, Llama3Tokens.EOM, ToolCallParser.NO_END_TOKEN}) {
                check(PARSER, text, end);
            }
        }
    }

    @Test
    void finishedParserRefusesMoreInput() {
        StreamingToolCallParser s = PARSER.streaming();
        assertThrows(IllegalStateException.class, s::result);
        s.feed("x");
        s.finish(Llama3Tokens.EOT);
        assertThrows(IllegalStateException.class, () -> s.feed("y"));
    }
}
