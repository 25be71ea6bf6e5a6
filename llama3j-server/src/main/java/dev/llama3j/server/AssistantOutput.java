package dev.llama3j.server;

import dev.llama3j.chat.Llama3Tokens;
import dev.llama3j.chat.ParsedMessage;
import dev.llama3j.chat.StreamingToolCallParser;
import dev.llama3j.chat.ToolCall;
import dev.llama3j.chat.ToolCallParser;
import dev.llama3j.engine.FinishReason;
import dev.llama3j.engine.GenerationResult;
import java.util.List;

/**
 * One choice's generated text on its way to the client. Without tools it is all content; with
 * tools the chat package's streaming parser releases plain content at once and holds back what may
 * be a tool call until the end.
 */
final class AssistantOutput {
    /** What is left to send at the end: content not yet released, the calls, the finish reason. */
    record End(String content, List<ToolCall> toolCalls, String finishReason) {}

    private final StreamingToolCallParser parser;
    private final String prefix;
    private final int[] stopTokens;
    private final StringBuilder released = new StringBuilder();
    private boolean started;

    AssistantOutput(StreamingToolCallParser parser, String prefix, int[] stopTokens) {
        this.parser = parser;
        this.prefix = prefix;
        this.stopTokens = stopTokens;
    }

    /** Takes a text delta; returns the content that may be sent now. */
    String feed(String delta) {
        String out;
        if (parser == null) {
            out = delta;
        } else if (!started) {
            started = true;
            out = parser.feed(prefix) + parser.feed(delta);
        } else {
            out = parser.feed(delta);
        }
        released.append(out);
        return out;
    }

    End finish(GenerationResult r) {
        if (parser == null) {
            return new End("", List.of(), r.finishReason().openAiName());
        }
        if (!started) {
            feed("");
        }
        String tail = parser.finish(endToken(r));
        ParsedMessage m = parser.result();
        String finish = m.hasToolCalls() ? "tool_calls" : r.finishReason().openAiName();
        return new End(tail, m.toolCalls(), finish);
    }

    /** All content released, for a whole (non-streamed) answer; null when there was none besides calls. */
    String content(End end) {
        String all = released + end.content();
        return all.isEmpty() && !end.toolCalls().isEmpty() ? null : all;
    }

    private int endToken(GenerationResult r) {
        if (r.finishReason() == FinishReason.LENGTH) {
            return ToolCallParser.NO_END_TOKEN;
        }
        int[] t = r.tokens();
        if (t.length > 0) {
            for (int s : stopTokens) {
                if (s == t[t.length - 1]) {
                    return s;
                }
            }
        }
        // Ended by a stop string: a normal end of turn.
        return Llama3Tokens.EOT;
    }
}
