package dev.llama3j.cli;

import dev.llama3j.ChatRequest;
import dev.llama3j.chat.Message;
import dev.llama3j.chat.ParsedMessage;
import dev.llama3j.chat.ToolCall;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The chat so far, as {@code llama3j chat} keeps it: an optional system prompt, then the messages,
 * and the tool calls whose results the user still has to give. Everything else about a turn (tools,
 * date, sampling, limits) comes from a base request. The rule is that the model remembers what the
 * user saw: a stopped answer stays as far as it was shown.
 */
final class Conversation {
    private final ChatRequest base;
    private String system;
    private final List<Message> messages = new ArrayList<>();
    private final Deque<ToolCall> awaitingResults = new ArrayDeque<>();

    /**
     * @param base the tools, render options, sampling and token limit of every turn; its messages are ignored
     * @param system the system prompt, or null for none
     */
    Conversation(ChatRequest base, String system) {
        this.base = base;
        this.system = system;
    }

    /** The request for the next assistant message. */
    ChatRequest request() {
        List<Message> all = new ArrayList<>(messages.size() + 1);
        if (system != null) {
            all.add(Message.system(system));
        }
        all.addAll(messages);
        return base.withMessages(all);
    }

    void addUser(String text) {
        awaitingResults.clear();
        messages.add(Message.user(text));
    }

    /** Adds a complete answer; its tool calls then wait for results. */
    void addAnswer(ParsedMessage answer) {
        messages.add(answer.toMessage());
        awaitingResults.clear();
        awaitingResults.addAll(answer.toolCalls());
    }

    /** Adds the part of a stopped answer that was shown, if any. */
    void addStoppedAnswer(String shown) {
        awaitingResults.clear();
        if (!shown.isBlank()) {
            messages.add(Message.assistant(shown));
        }
    }

    /** The first tool call still waiting for its result, or null. */
    ToolCall awaitedCall() {
        return awaitingResults.peekFirst();
    }

    /** How many tool calls still wait for results. */
    int awaitedCount() {
        return awaitingResults.size();
    }

    /**
     * Adds the result of {@link #awaitedCall()} as an ipython message, the Llama 3.1 way (the template
     * renders {@code tool} and {@code ipython} results alike). The text goes to the model as given.
     */
    void addToolResult(String result) {
        if (awaitingResults.pollFirst() == null) {
            throw new IllegalStateException("no tool call waits for a result");
        }
        messages.add(Message.ipython(result));
    }

    /** Stops waiting for tool results; the calls stay in the conversation, unanswered. */
    void skipToolResults() {
        awaitingResults.clear();
    }

    /** Forgets every message; the system prompt and tools stay. */
    void reset() {
        messages.clear();
        awaitingResults.clear();
    }

    /** @param text the new system prompt, or null for none */
    void system(String text) {
        this.system = text;
    }

    String system() {
        return system;
    }

    /** Messages after the system prompt. */
    int size() {
        return messages.size();
    }

    /** Removes the last message (a user message whose turn failed before anything was generated). */
    void dropLast() {
        if (!messages.isEmpty()) {
            messages.remove(messages.size() - 1);
        }
    }
}
