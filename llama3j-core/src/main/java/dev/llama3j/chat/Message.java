package dev.llama3j.chat;

import dev.llama3j.error.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One message of a conversation.
 *
 * @param role who wrote it
 * @param content the text; for tool results ({@link Role#TOOL}, {@link Role#IPYTHON}) any JSON value
 *     (the Llama 3.1 template prints non-strings with {@code tojson}); null for an assistant message
 *     that only makes tool calls
 * @param toolCalls the assistant's tool calls, empty otherwise
 * @param toolCallId for a tool result, the id of the call it answers; may be null
 * @param name optional name of the author or of the tool that produced a result
 */
public record Message(Role role, Object content, List<ToolCall> toolCalls, String toolCallId, String name) {
    public Message {
        if (role == null) {
            throw new IllegalArgumentException("a message needs a role");
        }
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (!toolCalls.isEmpty() && role != Role.ASSISTANT) {
            throw new InvalidRequestException("only assistant messages can have tool_calls, not " + role.wireName(), "messages");
        }
        if (content != null && !role.isToolResult() && !(content instanceof String)) {
            throw new InvalidRequestException(role.wireName() + " message content must be a string", "messages");
        }
    }

    public static Message system(String content) {
        return new Message(Role.SYSTEM, content, List.of(), null, null);
    }

    public static Message user(String content) {
        return new Message(Role.USER, content, List.of(), null, null);
    }

    public static Message assistant(String content) {
        return new Message(Role.ASSISTANT, content, List.of(), null, null);
    }

    /** An assistant message with tool calls; content may be null. */
    public static Message assistant(String content, List<ToolCall> toolCalls) {
        return new Message(Role.ASSISTANT, content, toolCalls, null, null);
    }

    /** A tool result in the OpenAI shape ({@code role: tool}). */
    public static Message toolResult(String toolCallId, Object content) {
        return new Message(Role.TOOL, content, List.of(), toolCallId, null);
    }

    /** A tool result as Llama 3.1 names it ({@code role: ipython}). */
    public static Message ipython(Object content) {
        return new Message(Role.IPYTHON, content, List.of(), null, null);
    }

    /** The content if it is text, else null. */
    public String text() {
        return content instanceof String s ? s : null;
    }

    /**
     * The form the chat template sees, as Hugging Face passes it: {@code role}, {@code content}
     * (left out for an assistant message that only calls tools, as OpenAI clients send it),
     * {@code tool_calls} only when there are some, {@code tool_call_id} and {@code name} when set.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role.wireName());
        if (content != null || toolCalls.isEmpty()) {
            m.put("content", content == null ? "" : content);
        }
        if (!toolCalls.isEmpty()) {
            List<Object> calls = new ArrayList<>();
            for (ToolCall c : toolCalls) {
                calls.add(c.toMap());
            }
            m.put("tool_calls", calls);
        }
        if (toolCallId != null) {
            m.put("tool_call_id", toolCallId);
        }
        if (name != null) {
            m.put("name", name);
        }
        return m;
    }

    /**
     * Reads a message in the OpenAI chat shape. Text content may also be an array of
     * {@code {"type": "text", "text": ...}} parts (joined with newlines, as vLLM does); other part
     * types are refused, since Llama 3.1 reads text only.
     *
     * @throws InvalidRequestException naming the field that is wrong
     */
    public static Message fromJson(Object json) {
        return fromJson(json, "message");
    }

    /** Reads the {@code messages} array of a request. */
    public static List<Message> listFromJson(Object json) {
        if (!(json instanceof List<?> list)) {
            throw new InvalidRequestException("messages must be an array", "messages");
        }
        List<Message> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(fromJson(list.get(i), "messages[" + i + "]"));
        }
        return out;
    }

    static Message fromJson(Object json, String where) {
        if (!(json instanceof Map<?, ?> m)) {
            throw new InvalidRequestException(where + " must be an object", "messages");
        }
        if (!(m.get("role") instanceof String roleName)) {
            throw new InvalidRequestException(where + ".role must be a string", "messages");
        }
        Role role;
        try {
            role = Role.fromWireName(roleName);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(where + ": " + e.getMessage(), "messages");
        }
        Object content = m.get("content");
        if (content instanceof List<?> parts && isTextParts(parts, role)) {
            content = textOfParts(parts, where);
        }
        if (content != null && !(content instanceof String) && !role.isToolResult()) {
            throw new InvalidRequestException(where + ".content must be a string or an array of text parts", "messages");
        }
        List<ToolCall> toolCalls = new ArrayList<>();
        Object calls = m.get("tool_calls");
        if (calls != null) {
            if (role != Role.ASSISTANT) {
                throw new InvalidRequestException(where + ": only assistant messages can have tool_calls", "messages");
            }
            if (!(calls instanceof List<?> list)) {
                throw new InvalidRequestException(where + ".tool_calls must be an array", "messages");
            }
            for (int i = 0; i < list.size(); i++) {
                toolCalls.add(ToolCall.fromJson(list.get(i), where + ".tool_calls[" + i + "]"));
            }
        }
        if (role != Role.ASSISTANT && !role.isToolResult() && content == null) {
            throw new InvalidRequestException(where + ".content is required for a " + role.wireName() + " message", "messages");
        }
        return new Message(role, content, toolCalls, optionalString(m, "tool_call_id", where), optionalString(m, "name", where));
    }

    /** Parts in the OpenAI form; for tool results only when they all are text parts (else the JSON is the content). */
    private static boolean isTextParts(List<?> parts, Role role) {
        if (!role.isToolResult()) {
            return true;
        }
        return !parts.isEmpty() && parts.stream().allMatch(p -> p instanceof Map<?, ?> pm && "text".equals(pm.get("type")));
    }

    private static String textOfParts(List<?> parts, String where) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            if (!(parts.get(i) instanceof Map<?, ?> part)) {
                throw new InvalidRequestException(where + ".content[" + i + "] must be an object", "messages");
            }
            if (!"text".equals(part.get("type"))) {
                throw new InvalidRequestException(where + ".content[" + i + "] has type " + part.get("type")
                        + "; only text parts are supported (Llama 3.1 reads text only)", "messages");
            }
            if (!(part.get("text") instanceof String text)) {
                throw new InvalidRequestException(where + ".content[" + i + "].text must be a string", "messages");
            }
            texts.add(text);
        }
        return joinTextParts(texts);
    }

    /**
     * The one rule for an array of text content parts, wherever a message comes from (the Java API,
     * the HTTP server): the non-empty parts joined with {@code "\n"}. That is vLLM's rule for a
     * template that reads content as a string, as Llama 3.1's does ({@code vllm/entrypoints/chat_utils.py}
     * {@code _parse_chat_message_content_parts}: each part is kept only {@code if parse_res}, so an
     * empty text is dropped, then {@code "\n".join(texts)}). llama.cpp's server gives the same text
     * unless a part is empty ({@code common/chat.cpp} {@code common_chat_msgs_to_json_oaicompat} with
     * {@code concat_typed_text}: {@code if (!text.empty()) text += '\n';} before every part, so an
     * empty part after some text still adds a newline).
     */
    public static String joinTextParts(List<String> texts) {
        StringBuilder out = new StringBuilder();
        for (String t : texts) {
            if (t.isEmpty()) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(t);
        }
        return out.toString();
    }

    private static String optionalString(Map<?, ?> m, String key, String where) {
        Object v = m.get(key);
        if (v != null && !(v instanceof String)) {
            throw new InvalidRequestException(where + "." + key + " must be a string", "messages");
        }
        return (String) v;
    }
}
