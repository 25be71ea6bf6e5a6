package dev.llama3j.server;

import java.util.List;

/**
 * One choice's generated text on its way to the client: plain content streams through at once; an
 * output that starts like a tool call is held back until the end, then parsed into tool calls (or
 * let through as content if it is not a valid call).
 */
final class AssistantOutput {
    /** What is left to send when the generation ends. */
    record End(String content, List<ChatFormat.ToolCall> toolCalls) {}

    private final ChatFormat format;
    private final ChatRequest request;
    private final boolean parseTools;
    private final String prefix;
    private final StringBuilder generated = new StringBuilder();
    private ChatFormat.Kind kind;
    private int sent;

    AssistantOutput(ChatFormat format, ChatRequest request, String prefix) {
        this.format = format;
        this.request = request;
        this.parseTools = request.toolsEnabled();
        this.prefix = prefix;
        this.kind = !parseTools ? ChatFormat.Kind.CONTENT
                : prefix.isEmpty() ? ChatFormat.Kind.UNDECIDED : ChatFormat.Kind.TOOL_CALL;
    }

    /** Takes a text delta; returns the content that may be sent now (often the delta itself). */
    String feed(String delta) {
        generated.append(delta);
        if (kind == ChatFormat.Kind.UNDECIDED) {
            kind = format.classify(generated.toString(), request);
        }
        if (kind != ChatFormat.Kind.CONTENT) {
            return "";
        }
        String out = generated.substring(sent);
        sent = generated.length();
        return out;
    }

    End finish() {
        if (kind == ChatFormat.Kind.CONTENT) {
            String rest = generated.substring(sent);
            sent = generated.length();
            return new End(rest, List.of());
        }
        String all = prefix + generated;
        List<ChatFormat.ToolCall> calls = format.toolCalls(all, request);
        if (!calls.isEmpty()) {
            return new End("", calls);
        }
        sent = generated.length();
        return new End(all, List.of());
    }
}
