package dev.llama3j;

import dev.llama3j.chat.FinishReason;
import dev.llama3j.chat.ParsedMessage;
import dev.llama3j.engine.GenerationResult;

/**
 * A generated assistant message: its content or tool calls, why it ended, and the generation behind
 * it (token ids, timing, log-probabilities).
 */
public record ChatResponse(ParsedMessage message, GenerationResult generation) {
    /** {@code TOOL_CALLS} when the message is calls, else the generation's reason (stop, length, cancelled). */
    public FinishReason finishReason() {
        return message.finishReason();
    }

    /** The text content, or "" for a message that is only tool calls. */
    public String content() {
        return message.content() == null ? "" : message.content();
    }

    public int promptTokens() {
        return generation.promptTokens().length;
    }

    public int completionTokens() {
        return generation.tokens().length;
    }
}
