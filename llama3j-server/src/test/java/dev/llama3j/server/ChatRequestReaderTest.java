package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.ChatPrompt;
import dev.llama3j.ChatRequest;
import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.sampling.SamplingParams;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenAI request bodies read into the core's chat request and rendered by the core: the probes'
 * prompt ids, tools, tool_choice.
 */
class ChatRequestReaderTest {
    static Tokenizer tokenizer;
    static ChatTemplate template;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.chatModel());
        template = ChatTemplate.fromTokenizerDir(Fixtures.chatModel());
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

    static ChatRequest read(ObjectNode body) {
        Params p = new Params(body);
        return ChatRequestReader.read(p, GenerationOptions.parse(p, SamplingParams.greedy(), true, 16), null);
    }

    static ChatPrompt render(ObjectNode body) {
        return ChatPrompt.render(template, tokenizer, read(body));
    }

    @Test
    void chatModelProbePrompts() {
        for (Map<String, Object> p : EndpointsTest.probes()) {
            ChatPrompt r = render(body(p));
            assertArrayEquals(Fixtures.ints(p.get("prompt_ids")), r.ids(), String.valueOf(p.get("messages")));
            assertEquals("", r.outputPrefix());
        }
    }

    @Test
    void textPartsAreJoinedByTheCoresRule() {
        ObjectNode b = JsonSupport.MAPPER.createObjectNode();
        var parts = b.putArray("messages").addObject().put("role", "user").putArray("content");
        parts.addObject().put("type", "text").put("text", "first");
        parts.addObject().put("type", "text").put("text", "second");
        assertEquals("first\nsecond", read(b).messages().get(0).text());
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
        ChatRequest r = read(toolsBody());
        assertEquals(List.of("brave_search"), r.builtinTools());
        assertEquals(1, r.tools().size());
        assertEquals("get_current_conditions", r.tools().get(0).name());
        String text = tokenizer.decode(render(toolsBody()).ids());
        assertTrue(text.contains("Tools: brave_search\n"), text);
        assertTrue(text.contains("\"name\": \"get_current_conditions\""), text);
    }

    @Test
    void toolChoiceForcesABuiltinCallsStart() {
        ObjectNode b = toolsBody();
        b.putObject("tool_choice").put("type", "function").putObject("function").put("name", "get_current_conditions");
        var r = render(b);
        // A custom tool's call is made whole by the call grammar (ToolCallGrammar): no forced start.
        assertEquals("", r.outputPrefix());
        assertTrue(tokenizer.decode(r.ids()).endsWith("<|end_header_id|>\n\n"));

        b.putObject("tool_choice").put("type", "function").putObject("function").put("name", "brave_search");
        r = render(b);
        int tag = tokenizer.specialId("<|python_tag|>").getAsInt();
        assertTrue(Arrays.stream(r.ids()).anyMatch(i -> i == tag), "python tag is a special token");
        // Token-aligned: the model writes the "(query" token itself, as it was trained to.
        assertEquals("<|python_tag|>brave_search.call", r.outputPrefix());

        b.put("tool_choice", "none");
        r = render(b);
        assertFalse(tokenizer.decode(r.ids()).contains("Environment: ipython"));
        assertFalse(read(b).toolsEnabled(), "tool_choice none: the answer is not read for calls");
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
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> render(b));
        assertEquals("messages", e.param());
        OpenAiError answer = Errors.toOpenAi(e);
        assertEquals(400, answer.status());
        assertEquals("invalid_value", answer.code());
    }
}
