package dev.llama3j.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageTest {

    @Test
    void openAiMessagesRoundTripToTheTemplateForm() {
        List<Message> messages = Message.listFromJson(Json.parse("""
                [{"role": "system", "content": "S"},
                 {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
                 {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                   "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]},
                 {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
                 {"role": "ipython", "content": {"output": 1}}]"""));
        assertEquals("a\nb", messages.get(1).text());
        Message call = messages.get(2);
        assertNull(call.content());
        assertEquals(Map.of("city", "Paris"), call.toolCalls().getFirst().arguments());
        assertEquals("call_1", call.toolCalls().getFirst().id());

        Map<String, Object> asTemplateSees = call.toMap();
        assertFalse(asTemplateSees.containsKey("content"));
        assertEquals("{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"call_1\", \"type\": \"function\", "
                + "\"function\": {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}]}", Json.write(asTemplateSees, -1, false));
        assertEquals("{\"role\": \"tool\", \"content\": \"sunny\", \"tool_call_id\": \"call_1\"}", Json.write(messages.get(3).toMap(), -1, false));
        assertEquals(Map.of("output", 1L), messages.get(4).content());
        assertFalse(messages.get(0).toMap().containsKey("tool_calls"));

        assertEquals("{\"id\": \"call_1\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}", Json.write(call.toolCalls().getFirst().toOpenAiJson(), -1, false));
    }

    @Test
    void textPartsJoinLikeVllmDroppingEmptyParts() {
        assertEquals("a\nb", Message.joinTextParts(List.of("a", "b")));
        assertEquals("a\nb", Message.joinTextParts(List.of("", "a", "", "b", "")));
        assertEquals("", Message.joinTextParts(List.of("", "")));
        assertEquals("a\n\n\nb", Message.joinTextParts(List.of("a\n", "\nb")));
    }

    @Test
    void badMessagesAreInvalidRequestsNamingTheField() {
        InvalidRequestException role = assertThrows(InvalidRequestException.class,
                () -> Message.listFromJson(Json.parse("[{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"wizard\", \"content\": \"x\"}]")));
        assertTrue(role.getMessage().startsWith("messages[1]: unknown message role 'wizard'"), role.getMessage());
        assertEquals("messages", role.param());

        assertThrows(InvalidRequestException.class, () -> Message.fromJson(Json.parse(
                "{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"x\"}}]}")));
        assertThrows(InvalidRequestException.class, () -> Message.fromJson(Json.parse("{\"role\": \"user\"}")));
        assertThrows(InvalidRequestException.class, () -> Message.fromJson(Json.parse(
                "{\"role\": \"user\", \"content\": \"x\", \"tool_calls\": []}")));
        InvalidRequestException args = assertThrows(InvalidRequestException.class, () -> Message.fromJson(Json.parse(
                "{\"role\": \"assistant\", \"tool_calls\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{oops\"}}]}")));
        assertTrue(args.getMessage().contains("tool_calls[0].function.arguments is not valid JSON"), args.getMessage());
        assertThrows(InvalidRequestException.class, () -> Tool.fromJson(Json.parse("{\"type\": \"function\", \"function\": {}}")));
        assertThrows(InvalidRequestException.class, () -> Tool.fromJson(Json.parse("{\"type\": \"retrieval\"}")));
    }

    @Test
    void toolListsNameTheBadEntry() {
        assertEquals(List.of(), Tool.listFromJson(null));
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> Tool.listFromJson(Json.parse(
                "[{\"type\": \"function\", \"function\": {\"name\": \"ok\"}}, {\"type\": \"function\"}]")));
        assertTrue(e.getMessage().startsWith("tools[1]: "), e.getMessage());
        assertEquals("tools", e.param());
    }

    @Test
    void toolFromJsonKeepsTheClientsJson() {
        Object json = Json.parse("{\"type\": \"function\", \"function\": {\"name\": \"f\", \"strict\": true, \"parameters\": {}}}");
        Tool t = Tool.fromJson(json);
        assertEquals("f", t.name());
        assertNull(t.description());
        assertEquals(json, t.toJson());
        assertEquals("{\"type\": \"function\", \"function\": {\"name\": \"f\", \"description\": \"d\"}}",
                Json.write(Tool.of("f", "d", null).toJson(), -1, false));
    }
}
