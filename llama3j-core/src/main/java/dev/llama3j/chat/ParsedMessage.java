package dev.llama3j.chat;

import java.util.List;

/**
 * What the model's output for one assistant message turned out to be.
 *
 * @param content the text, or null when the message is only tool calls
 * @param toolCalls the calls, empty for a plain answer
 * @param finishReason {@link FinishReason#TOOL_CALLS} exactly when there are calls
 */
public record ParsedMessage(String content, List<ToolCall> toolCalls, FinishReason finishReason) {
    public ParsedMessage {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /** The message to append to the conversation for the next turn. */
    public Message toMessage() {
        return Message.assistant(content, toolCalls);
    }
}
