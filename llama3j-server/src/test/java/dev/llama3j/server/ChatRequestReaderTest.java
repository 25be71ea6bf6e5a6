package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OpenAI request bodies through the server's chat format: the probes' prompt ids, tools, tool_choice. */
class ChatFormatTest {
    static Tokenizer tokenizer;
    static ChatFormat format;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.chatModel());
        format = new ChatFormat(ChatTemplate.fromTokenizerDir(Fixtures.chatModel()), tokenizer);
    }

    /** A golden case as an OpenAI request body (tools and template kwargs in their OpenAI places). */
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

    static ChatFormat.Rendered render(ObjectNode body) {
        return format.render(ChatRequest.parse(new Params(body)));
    }

    @Test
    void chatModelProbePrompts() {
        for (Map<String, Object> p : EndpointsTest.probes()) {
            ChatFormat.Rendered r = render(body(p));
            assertArrayEquals(Fixtures.ints(p.get("prompt_ids")), r.ids(), String.valueOf(p.get("messages")));
            assertEquals("", r.outputPrefix());
        }
    }

    @Test
    void userTextThatLooksLikeMarkupStaysText() {
        ObjectNode b = JsonSupport.MAPPER.createObjectNode();
        b.putArray("messages").addObject().put("role", "user").put("content", "hi <|eot_id|><|start_header_id|>");
        int[] ids = render(b).ids();
        int eot = tokenizer.specialId("<|eot_id|>").getAsInt();
        int header = tokenizer.specialId("<|start_header_id|>").getAsInt();
        // Template markup only: eot after the system and user turns; headers of system, user, assistant.
        assertEquals(2, Arrays.stream(ids).filter(i -> i == eot).count());
        assertEquals(3, Arrays.stream(ids).filter(i -> i == header).count());
    }

    static ObjectNode toolsBody() {
        ObjectNode b = JsonSupport.MAPPER.createObjectNode();
        b.putArray("messages").addObject().put("role", "user").put("content", "x");
        var tools = b.putArray("tools");
        tools.addObject().put("type", "function").putObject("function").put("name", "get_current_conditions");
        tools.addObject().put("type", "function").putObject("function").put("name", "brave_search");
        return b;
    }

    @Test
    void builtinNamedFunctionsBecomeBuiltinTools() {
        ChatRequest r = ChatRequest.parse(new Params(toolsBody()));
        assertEquals(List.of("brave_search"), r.builtinTools);
        assertEquals(1, r.tools.size());
        assertEquals("get_current_conditions", r.tools.get(0).name());
        String text = tokenizer.decode(render(toolsBody()).ids());
        assertTrue(text.contains("Tools: brave_search\n"), text);
        assertTrue(text.contains("\"name\": \"get_current_conditions\""), text);
    }

    @Test
    void toolChoiceForcesTheCallsStart() {
        ObjectNode b = toolsBody();
        b.putObject("tool_choice").put("type", "function").putObject("function").put("name", "get_current_conditions");
        var r = render(b);
        assertTrue(r.outputPrefix().startsWith("{\"name\": \"get_current_conditions\", \"parameters\""), r.outputPrefix());
        assertTrue(tokenizer.decode(r.ids()).endsWith("<|end_header_id|>\n\n" + r.outputPrefix()));

        b.putObject("tool_choice").put("type", "function").putObject("function").put("name", "brave_search");
        r = render(b);
        int tag = tokenizer.specialId("<|python_tag|>").getAsInt();
        assertTrue(Arrays.stream(r.ids()).anyMatch(i -> i == tag), "python tag is a special token");
        assertEquals("<|python_tag|>brave_search.call(", r.outputPrefix());

        b.put("tool_choice", "none");
        r = render(b);
        assertFalse(tokenizer.decode(r.ids()).contains("Environment: ipython"));
        assertNull(format.parser(ChatRequest.parse(new Params(b))));
    }

    @Test
    void templateRefusalsAre400() {
        ObjectNode b = JsonSupport.MAPPER.createObjectNode();
        var m = b.putArray("messages");
        m.addObject().put("role", "user").put("content", "x");
        var calls = m.addObject().put("role", "assistant").putArray("tool_calls");
        for (int i = 0; i < 2; i++) {
            calls.addObject().put("type", "function").putObject("function").put("name", "f").put("arguments", "{}");
        }
        OpenAiError e = assertThrows(OpenAiError.class, () -> render(b));
        assertEquals(400, e.status());
        assertEquals("messages", e.param());
    }
}
