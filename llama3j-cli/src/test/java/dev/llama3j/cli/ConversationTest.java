package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.llama3j.ChatRequest;
import dev.llama3j.chat.FinishReason;
import dev.llama3j.chat.Message;
import dev.llama3j.chat.ParsedMessage;
import dev.llama3j.chat.Role;
import dev.llama3j.chat.ToolCall;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConversationTest {
    static final ChatRequest BASE = ChatRequest.of(List.of()).withBuiltinTools(List.of("brave_search")).withMaxTokens(7);

    @Test
    void toolCallsWaitForResultsThatGoBackAsIpythonMessages() {
        Conversation c = new Conversation(BASE, "Be brief.");
        c.addUser("Weather in Paris and Rome");
        ToolCall paris = ToolCall.of("brave_search", Map.of("query", "weather in Paris"));
        ToolCall rome = ToolCall.of("brave_search", Map.of("query", "weather in Rome"));
        c.addAnswer(new ParsedMessage(null, List.of(paris, rome), FinishReason.TOOL_CALLS));
        assertEquals(paris, c.awaitedCall());
        assertEquals(2, c.awaitedCount());
        c.addToolResult("sunny");
        assertEquals(rome, c.awaitedCall());
        c.addToolResult("{\"rain\": true}");
        assertNull(c.awaitedCall());

        ChatRequest r = c.request();
        assertEquals(List.of(Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.IPYTHON, Role.IPYTHON),
                r.messages().stream().map(Message::role).toList());
        assertEquals("{\"rain\": true}", r.messages().get(4).content(), "the pasted text goes to the model as given");
        assertEquals(List.of(paris, rome), r.messages().get(2).toolCalls());
        assertEquals(List.of("brave_search"), r.builtinTools());
        assertEquals(7, r.maxTokens());
    }

    @Test
    void resetKeepsTheSystemPromptAndSystemReplacesIt() {
        Conversation c = new Conversation(BASE, null);
        c.addUser("hi");
        c.addAnswer(new ParsedMessage("Hello!", List.of(), FinishReason.STOP));
        assertEquals(List.of(Role.USER, Role.ASSISTANT), c.request().messages().stream().map(Message::role).toList());
        c.system("You are a pirate.");
        assertEquals(Message.system("You are a pirate."), c.request().messages().get(0));
        assertEquals(3, c.request().messages().size());
        c.reset();
        assertEquals(List.of(Message.system("You are a pirate.")), c.request().messages());
    }

    @Test
    void aStoppedAnswerKeepsWhatWasShown() {
        Conversation c = new Conversation(BASE, null);
        c.addUser("Tell me a story");
        c.addStoppedAnswer("Once upon");
        assertEquals(Message.assistant("Once upon"), c.request().messages().get(1));
        c.addUser("Shorter");
        c.addStoppedAnswer("");
        assertEquals(3, c.size(), "nothing shown, nothing kept");
    }

    @Test
    void aSkippedToolCallStaysUnanswered() {
        Conversation c = new Conversation(BASE, null);
        c.addUser("Weather?");
        c.addAnswer(new ParsedMessage(null, List.of(ToolCall.of("brave_search", Map.of())), FinishReason.TOOL_CALLS));
        c.skipToolResults();
        assertNull(c.awaitedCall());
        assertEquals(2, c.size());
    }
}
