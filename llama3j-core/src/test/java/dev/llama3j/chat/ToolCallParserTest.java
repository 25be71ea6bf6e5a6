package dev.llama3j.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ToolCallParserTest {
    static final Tool CONDITIONS = Tool.of("get_current_conditions", "Get the current weather conditions",
            Map.of("type", "object"));
    static final List<String> BUILTIN = List.of("brave_search", "wolfram_alpha");

    static ToolCallParser parser(List<Tool> tools, List<String> builtin) {
        AtomicInteger n = new AtomicInteger();
        return ToolCallParser.forRequest(tools, builtin).withIdGenerator(() -> "call_" + n.incrementAndGet());
    }

    private static final ToolCallParser WITH_TOOLS = parser(List.of(CONDITIONS), BUILTIN);
    private static final ToolCallParser NO_TOOLS = parser(List.of(), List.of());

    @Test
    void builtinCallGolden() {
        ParsedMessage m = parser(List.of(CONDITIONS), BUILTIN)
                .parse("<|python_tag|>brave_search.call(query=\"current weather in Menlo Park, CA\")<|eom_id|>");
        assertEquals(FinishReason.TOOL_CALLS, m.finishReason());
        assertNull(m.content());
        ToolCall c = m.toolCalls().getFirst();
        assertEquals("brave_search", c.name());
        assertEquals(Map.of("query", "current weather in Menlo Park, CA"), c.arguments());
        assertEquals("brave_search.call(query=\"current weather in Menlo Park, CA\")", c.rawText());
        assertEquals("call_1", c.id());
    }

    @Test
    void jsonCallGolden() {
        ParsedMessage m = WITH_TOOLS.parse(
                "{\"name\": \"get_current_conditions\", \"parameters\": {\"location\": \"Tokyo\", \"unit\": \"Celsius\"}}<|eot_id|>");
        assertEquals(FinishReason.TOOL_CALLS, m.finishReason());
        assertNull(m.content());
        assertEquals("get_current_conditions", m.toolCalls().getFirst().name());
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("location", "Tokyo");
        expected.put("unit", "Celsius");
        assertEquals(expected, m.toolCalls().getFirst().arguments());
        assertEquals("{\"location\": \"Tokyo\", \"unit\": \"Celsius\"}", Json.write(m.toolCalls().getFirst().arguments(), -1, false));
    }

    @Test
    void malformedGoldenIsContent() {
        String text = "<|python_tag|>brave_search.call(query=\"current weather in Quontor is.call(query=\"current weather in Queldom\")";
        ParsedMessage m = WITH_TOOLS.parse(text + "<|eom_id|>");
        assertFalse(m.hasToolCalls());
        assertEquals(FinishReason.STOP, m.finishReason());
        assertEquals(text.substring("<|python_tag|>".length()), m.content());
    }

    @Test
    void everyChatModelProbeOutputParses() {
        List<Object> probes = Json.asArray(Json.asObject(Fixtures.goldens().get("chat_model"), "chat_model").get("probes"), "probes");
        for (Object o : probes) {
            Map<String, Object> p = Json.asObject(o, "probe");
            String text = (String) p.get("greedy_text");
            List<Tool> tools = ChatTemplateGoldenTest.tools(p.get("tools"));
            Object builtin = Json.asObject(p.get("kwargs"), "kwargs").get("builtin_tools");
            ToolCallParser parser = parser(tools, builtin == null ? List.of() : Json.asArray(builtin, "b").stream().map(String.class::cast).toList());
            ParsedMessage m = parser.parse(text);
            boolean wellFormedCall = !text.contains("is.call(") && (text.startsWith("<|python_tag|>") || text.startsWith("{"));
            assertEquals(wellFormedCall, m.hasToolCalls(), text);
            assertEquals(wellFormedCall ? FinishReason.TOOL_CALLS : FinishReason.STOP, m.finishReason(), text);
            if (!text.startsWith("<|python_tag|>") && !text.startsWith("{")) {
                assertEquals(text.substring(0, text.length() - "<|eot_id|>".length()), m.content());
            }
        }
    }

    @Test
    void parsedCallsRenderBackToWhatTheModelWrote() {
        // Appending the parsed message and rendering without a generation prompt reproduces the output.
        String generated = "<|python_tag|>brave_search.call(query=\"current weather in Menlo Park, CA\")<|eom_id|>";
        List<Message> conversation = new ArrayList<>(List.of(Message.system("You are a helpful Assistant."),
                Message.user("Weather in Menlo Park, California")));
        RenderOptions o = RenderOptions.defaults().builtinTools(BUILTIN).dateString("13 July 2024");
        String prompt = ChatTemplate.llama31().render(conversation, null, o).text();
        conversation.add(WITH_TOOLS.parse(generated).toMessage());
        assertEquals(prompt + generated, ChatTemplate.llama31().render(conversation, null, o.addGenerationPrompt(false)).text());

        String json = "{\"name\": \"get_current_conditions\", \"parameters\": {\"location\": \"Tokyo\", \"unit\": \"Celsius\"}}<|eot_id|>";
        List<Message> custom = new ArrayList<>(List.of(Message.user("Question: what is the weather like in Tokyo?")));
        String before = ChatTemplate.llama31().render(custom, List.of(CONDITIONS), RenderOptions.defaults()).text();
        custom.add(WITH_TOOLS.parse(json).toMessage());
        assertEquals(before + json, ChatTemplate.llama31().render(custom, List.of(CONDITIONS),
                RenderOptions.defaults().addGenerationPrompt(false)).text());
    }

    @Test
    void jsonCallVariants() {
        assertEquals(Map.of("location", "Paris"), WITH_TOOLS.parse(
                "  {\"name\": \"get_current_conditions\", \"arguments\": {\"location\": \"Paris\"}}  ").toolCalls().getFirst().arguments());
        assertEquals(Map.of("location", "Paris"), WITH_TOOLS.parse(
                "{\"name\": \"get_current_conditions\", \"arguments\": \"{\\\"location\\\": \\\"Paris\\\"}\"}").toolCalls().getFirst().arguments());
        assertEquals(Map.of(), WITH_TOOLS.parse("{\"type\": \"function\", \"name\": \"get_current_conditions\"}").toolCalls().getFirst().arguments());
        ParsedMessage two = WITH_TOOLS.parse("{\"name\": \"get_current_conditions\", \"parameters\": {\"location\": \"A\"}}; "
                + "{\"name\": \"get_current_conditions\", \"parameters\": {\"location\": \"B\"}}");
        assertEquals(2, two.toolCalls().size());
        assertEquals(List.of("A", "B"), two.toolCalls().stream().map(c -> c.arguments().get("location")).toList());
        // With the python tag any name goes (the model chose the tool syntax explicitly).
        assertEquals("other", NO_TOOLS.parse("<|python_tag|>{\"name\": \"other\", \"parameters\": {}}").toolCalls().getFirst().name());
    }

    @Test
    void jsonThatIsNotACallStaysContent() {
        for (String text : List.of(
                "{\"name\": \"unknown_tool\", \"parameters\": {}}",           // not an offered tool
                "{\"name\": \"get_current_conditions\", \"parameters\": [1]}", // arguments not an object
                "{\"name\": \"get_current_conditions\", \"parameters\": {}, \"extra\": 1}",
                "{\"name\": \"get_current_conditions\", \"parameters\": {}} and then some text",
                "{\"name\": \"get_current_conditions\", \"parameters\": {",   // cut short
                "{not json at all}",
                "{}",
                "The answer is {\"name\": \"get_current_conditions\"}")) {
            ParsedMessage m = WITH_TOOLS.parse(text, Llama3Tokens.EOT);
            assertFalse(m.hasToolCalls(), text);
            assertEquals(text, m.content());
            assertEquals(FinishReason.STOP, m.finishReason());
        }
        // Without offered tools a JSON answer is an answer.
        String answer = "{\"name\": \"get_current_conditions\", \"parameters\": {}}";
        assertEquals(answer, NO_TOOLS.parse(answer).content());
    }

    @Test
    void builtinCallSyntax() {
        ParsedMessage m = WITH_TOOLS.parse("<|python_tag|> wolfram_alpha.call(query='2+2', n=3, x=-1.5e2, ok=True, none=None,"
                + " l=[1, 'a'], d={'k': \"v\\n\\u00e9\"}, ) ;brave_search.call(query=\"it's \\\"quoted\\\"\")<|eom_id|>");
        assertEquals(2, m.toolCalls().size());
        Map<String, Object> args = m.toolCalls().getFirst().arguments();
        assertEquals("2+2", args.get("query"));
        assertEquals(3L, args.get("n"));
        assertEquals(-150.0, args.get("x"));
        assertEquals(true, args.get("ok"));
        assertTrue(args.containsKey("none") && args.get("none") == null);
        assertEquals(List.of(1L, "a"), args.get("l"));
        assertEquals(Map.of("k", "v\né"), args.get("d"));
        assertEquals("it's \"quoted\"", m.toolCalls().get(1).arguments().get("query"));
        for (String bad : List.of("brave_search.call(\"positional\")", "brave_search.call(q=unquoted)", "brave_search(q=\"x\")",
                "brave_search.call(q=\"x\"", "brave_search.call(q=\"x\") trailing", "brave_search.call(q=\"x\", q=\"y\")", "")) {
            ParsedMessage p = WITH_TOOLS.parse("<|python_tag|>" + bad + "<|eom_id|>");
            assertFalse(p.hasToolCalls(), bad);
            assertEquals(bad, p.content());
        }
    }

    @Test
    void codeInterpreterGetsTheCodeAsIs() {
        ToolCallParser parser = parser(List.of(), List.of("code_interpreter", "brave_search"));
        String code = "import math\nprint(math.sqrt(2))\n";
        ParsedMessage m = parser.parse("<|python_tag|>" + code + "<|eom_id|>");
        assertEquals("code_interpreter", m.toolCalls().getFirst().name());
        assertEquals(Map.of("code", code), m.toolCalls().getFirst().arguments());
        // Without code_interpreter enabled, code is content.
        assertEquals(code, WITH_TOOLS.parse("<|python_tag|>" + code + "<|eom_id|>").content());
    }

    @Test
    void contentBeforeThePythonTagIsKept() {
        ParsedMessage m = WITH_TOOLS.parse("Let me search. <|python_tag|>brave_search.call(query=\"x\")<|eom_id|>");
        assertEquals("Let me search. ", m.content());
        assertEquals(1, m.toolCalls().size());
        assertEquals("Let me search. brave_search.call(query=\"x", WITH_TOOLS.parse("Let me search. <|python_tag|>brave_search.call(query=\"x").content());
    }

    @Test
    void finishReasons() {
        assertEquals(FinishReason.STOP, WITH_TOOLS.parse("Hello<|eot_id|>").finishReason());
        assertEquals("Hello", WITH_TOOLS.parse("Hello<|end_of_text|>").content());
        assertEquals(FinishReason.STOP, WITH_TOOLS.parse("Hello", Llama3Tokens.END_OF_TEXT).finishReason());
        ParsedMessage cut = WITH_TOOLS.parse("<|python_tag|>brave_search.call(query=\"x\")", ToolCallParser.NO_END_TOKEN);
        assertEquals(FinishReason.LENGTH, cut.finishReason());
        assertFalse(cut.hasToolCalls());
        assertEquals("tool_calls", FinishReason.TOOL_CALLS.wireName());
    }

    @Test
    void defaultIdsLookLikeOpenAis() {
        String id = ToolCallParser.forRequest(List.of(CONDITIONS), null)
                .parse("{\"name\": \"get_current_conditions\", \"parameters\": {}}").toolCalls().getFirst().id();
        assertTrue(id.matches("call_[A-Za-z0-9]{24}"), id);
    }
}
