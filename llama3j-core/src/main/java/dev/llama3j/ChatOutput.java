package dev.llama3j;

import dev.llama3j.chat.Llama3Tokens;
import dev.llama3j.chat.ParsedMessage;
import dev.llama3j.chat.StreamingToolCallParser;
import dev.llama3j.chat.ToolCall;
import dev.llama3j.chat.ToolCallParser;
import dev.llama3j.chat.FinishReason;
import dev.llama3j.engine.GenerationResult;
import java.util.List;

/**
 * One choice's assistant message as it is generated: fed the text deltas, it says what content can
 * be shown now, and at the end what the message is (content or tool calls) and why it ended. Without
 * tools the text is all content; with tools the streaming tool-call parser releases plain content at
 * once and holds back what may be a call until the end. Not thread-safe: one per choice.
 *
 * <pre>{@code
 * ChatOutput out = prepared.newOutput();
 * for (TokenEvent e : events) {
 *     show(out.feed(e.text()));               // often "" while a call may be starting
 * }
 * ChatResponse r = out.finish(result);        // then show(out.tail()): content held back until the end
 * }</pre>
 */
public final class ChatOutput {
    private final StreamingToolCallParser parser;
    private final String prefix;
    private final int[] endTokens;
    private final StringBuilder released = new StringBuilder();
    private boolean started;
    private String tail;

    ChatOutput(ChatRequest request, ChatPrompt prompt, int[] endTokens) {
        this.parser = request.toolsEnabled()
                ? ToolCallParser.forRequest(request.tools(), request.builtinTools()).streaming() : null;
        this.prefix = prompt.outputPrefix();
        this.endTokens = endTokens;
    }

    /** Takes a text delta; returns the content that may be shown now. */
    public String feed(String delta) {
        String out;
        if (parser == null) {
            out = delta;
        } else if (!started) {
            // A forced call's start is in the prompt, not in the output: the parser reads it first.
            started = true;
            out = parser.feed(prefix) + parser.feed(delta);
        } else {
            out = parser.feed(delta);
        }
        released.append(out);
        return out;
    }

    /**
     * Ends the message: its content (everything released plus {@link #tail()}; null when the message
     * is only tool calls), its calls, and its finish reason ({@code tool_calls} when there are calls,
     * else the generation's).
     */
    public ChatResponse finish(GenerationResult result) {
        if (tail != null) {
            throw new IllegalStateException("the message is finished");
        }
        List<ToolCall> calls = List.of();
        if (parser == null) {
            tail = "";
        } else {
            if (!started) {
                feed("");
            }
            tail = parser.finish(endToken(result));
            calls = parser.result().toolCalls();
        }
        String all = released + tail;
        String content = all.isEmpty() && !calls.isEmpty() ? null : all;
        FinishReason reason = calls.isEmpty() ? result.finishReason() : FinishReason.TOOL_CALLS;
        return new ChatResponse(new ParsedMessage(content, calls, reason), result);
    }

    /** After {@link #finish}: the content held back while it might have been a call, released at the end. */
    public String tail() {
        if (tail == null) {
            throw new IllegalStateException("the message is not finished");
        }
        return tail;
    }

    /** The id that ended the message, as the parser wants it: an end token, or none when it was cut off. */
    private int endToken(GenerationResult r) {
        int[] t = r.tokens();
        if (r.finishReason() == FinishReason.LENGTH || r.finishReason() == FinishReason.CANCELLED || t.length == 0) {
            return ToolCallParser.NO_END_TOKEN;
        }
        for (int end : endTokens) {
            if (end == t[t.length - 1]) {
                return end;
            }
        }
        // A stop string ended it: the turn ended normally.
        return Llama3Tokens.EOT;
    }
}
