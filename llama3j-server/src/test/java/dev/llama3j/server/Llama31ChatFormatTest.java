package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server's Llama 3.1 chat format against the template goldens and the chat model's probes. */
class Llama31ChatFormatTest {
    static Tokenizer tokenizer;
    static Llama31ChatFormat format;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.chatModel());
        format = new Llama31ChatFormat(tokenizer);
    }

    /** The golden case as an OpenAI request body (tools and template kwargs in their OpenAI places). */
    static ObjectNode body(Map<String, Object> c) {
        ObjectNode b = JsonSupport.MAPPER.createObjectNode();
        b.set("messages", JsonSupport.MAPPER.valueToTree(c.get("messages")));
        if (c.get("tools") != null) {
            b.set("tools", JsonSupport.MAPPER.valueToTree(c.get("tools")));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> kwargs = (Map<String, Object>) c.get("kwargs");
        if (kwargs != null && !kwargs.isEmpty()) {
            b.set("chat_template_kwargs", JsonSupport.MAPPER.valueToTree(kwargs));
        }
        return b;
    }

    @Test
    void templateGoldens() {
        int checked = 0;
        for (Map<String, Object> c : Fixtures.goldenList("chat_template")) {
            // A dict-valued tool message is Hugging Face-only (OpenAI sends strings); without a generation
            // prompt is not what a chat completion asks for.
            if (c.get("name").equals("custom_tool_call_and_result") || Boolean.FALSE.equals(c.get("add_generation_prompt"))) {
                continue;
            }
            ChatFormat.Rendered r = format.render(ChatRequest.parse(new Params(body(c))));
            if (c.get("name").equals("multi_turn_unicode")) {
                // Its user message holds "<|eot_id|>", which Hugging Face turns into the special token
                // (the golden ids); we keep user text plain, so only the text matches.
                assertEquals(c.get("text"), tokenizer.decode(r.ids()));
                int eot = tokenizer.specialId("<|eot_id|>").getAsInt();
                assertEquals(4, java.util.Arrays.stream(r.ids()).filter(i -> i == eot).count());
                checked++;
                continue;
            }
            assertArrayEquals(Fixtures.ints(c.get("ids")), r.ids(), String.valueOf(c.get("name")));
            assertEquals("", r.outputPrefix());
            checked++;
        }
        assertEquals(8, checked);
    }

    @Test
    @SuppressWarnings("unchecked")
    void chatModelProbePrompts() {
        var probes = (List<Map<String, Object>>) ((Map<String, Object>) Fixtures.goldens().get("chat_model")).get("probes");
        for (Map<String, Object> p : probes) {
            ChatFormat.Rendered r = format.render(ChatRequest.parse(new Params(body(p))));
            assertArrayEquals(Fixtures.ints(p.get("prompt_ids")), r.ids(), String.valueOf(p.get("messages")));
        }
    }

    @Test
    void userTextThatLooksLikeMarkupStaysText() {
        ObjectNode b = JsonSupport.MAPPER.createObjectNode();
        b.putArray("messages").addObject().put("role", "user").put("content", "hi <|eot_id|><|start_header_id|>");
        int[] ids = format.render(ChatRequest.parse(new Params(b))).ids();
        int eot = tokenizer.specialId("<|eot_id|>").getAsInt();
        int header = tokenizer.specialId("<|start_header_id|>").getAsInt();
        // Template markup: eot after the system and user turns; headers for system, user, assistant.
        assertEquals(2, java.util.Arrays.stream(ids).filter(i -> i == eot).count());
        assertEquals(3, java.util.Arrays.stream(ids).filter(i -> i == header).count());
    }

    static ChatRequest toolsRequest(String toolChoice) {
        ObjectNode b = JsonSupport.MAPPER.createObjectNode();
        b.putArray("messages").addObject().put("role", "user").put("content", "x");
        var tools = b.putArray("tools");
        tools.addObject().put("type", "function").putObject("function").put("name", "get_current_conditions");
        tools.addObject().put("type", "function").putObject("function").put("name", "brave_search");
        if (toolChoice != null) {
            b.put("tool_choice", toolChoice);
        }
        return ChatRequest.parse(new Params(b));
    }

    @Test
    void parsesBothToolCallSyntaxes() {
        ChatRequest r = toolsRequest(null);
        assertEquals(List.of("brave_search"), r.builtinTools);
        var calls = format.toolCalls("{\"name\": \"get_current_conditions\", \"parameters\": {\"location\": \"Tokyo\","
                + " \"unit\": \"Celsius\"}}", r);
        assertEquals(List.of(new ChatFormat.ToolCall("get_current_conditions",
                "{\"location\":\"Tokyo\",\"unit\":\"Celsius\"}")), calls);
        calls = format.toolCalls("<|python_tag|>brave_search.call(query=\"current weather in Menlo Park, CA\")", r);
        assertEquals(List.of(new ChatFormat.ToolCall("brave_search",
                "{\"query\":\"current weather in Menlo Park, CA\"}")), calls);
        // Not calls: prose, unknown function, broken syntax.
        assertTrue(format.toolCalls("The weather is fine.", r).isEmpty());
        assertTrue(format.toolCalls("{\"name\": \"nope\", \"parameters\": {}}", r).isEmpty());
        assertTrue(format.toolCalls("<|python_tag|>brave_search.call(query=\"a\" is.call(query=\"b\")", r).isEmpty());
        assertTrue(format.toolCalls("{\"name\": \"get_current_conditions\", \"parameters\": {", r).isEmpty());
    }

    @Test
    void classifiesStreamingOutput() {
        ChatRequest r = toolsRequest(null);
        assertEquals(ChatFormat.Kind.UNDECIDED, format.classify("  ", r));
        assertEquals(ChatFormat.Kind.UNDECIDED, format.classify("<|pyth", r));
        assertEquals(ChatFormat.Kind.TOOL_CALL, format.classify("<|python_tag|>bra", r));
        assertEquals(ChatFormat.Kind.TOOL_CALL, format.classify(" {\"na", r));
        assertEquals(ChatFormat.Kind.CONTENT, format.classify("The", r));
        assertEquals(ChatFormat.Kind.CONTENT, format.classify("<b>", r));
    }

    @Test
    void toolChoiceForcesTheCallsStart() {
        ObjectNode b = JsonSupport.MAPPER.createObjectNode();
        b.putArray("messages").addObject().put("role", "user").put("content", "x");
        b.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "f");
        b.putObject("tool_choice").put("type", "function").putObject("function").put("name", "f");
        var r = format.render(ChatRequest.parse(new Params(b)));
        assertEquals("{\"name\": \"f\", \"parameters\": ", r.outputPrefix());
        assertTrue(tokenizer.decode(r.ids()).endsWith("<|end_header_id|>\n\n{\"name\": \"f\", \"parameters\": "));
        b.put("tool_choice", "none");
        var none = format.render(ChatRequest.parse(new Params(b)));
        assertTrue(!tokenizer.decode(none.ids()).contains("Environment: ipython"));
    }

    @Test
    void refusesWhatTheTemplateRefuses() {
        ObjectNode b = JsonSupport.MAPPER.createObjectNode();
        var m = b.putArray("messages");
        m.addObject().put("role", "user").put("content", "x");
        var calls = m.addObject().put("role", "assistant").putArray("tool_calls");
        for (int i = 0; i < 2; i++) {
            calls.addObject().put("type", "function").putObject("function").put("name", "f").put("arguments", "{}");
        }
        OpenAiError e = assertThrows(OpenAiError.class, () -> format.render(ChatRequest.parse(new Params(b))));
        assertEquals(400, e.status());
    }

    @Test
    void pythonFloatRepr() {
        assertEquals("1.0", PyJson.floatRepr(1.0));
        assertEquals("1e-05", PyJson.floatRepr(1e-5));
        assertEquals("0.0001", PyJson.floatRepr(1e-4));
        assertEquals("1e+16", PyJson.floatRepr(1e16));
        assertEquals("123456789.5", PyJson.floatRepr(123456789.5));
        assertEquals("-2.5", PyJson.floatRepr(-2.5));
        assertEquals("{\"a\": [1, 2.5], \"b\": \"é\\n\"}", PyJson.dumps(Map.of("a", List.of(1, 2.5)), 0)
                .replace("}", "") + ", \"b\": \"é\\n\"}");
    }
}
