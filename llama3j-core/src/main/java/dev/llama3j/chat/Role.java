package dev.llama3j.chat;

import dev.llama3j.error.InvalidRequestException;

/** Who wrote a message. {@code tool} and {@code ipython} both carry tool results; the Llama 3.1 template renders both as {@code ipython}. */
public enum Role {
    SYSTEM("system"),
    USER("user"),
    ASSISTANT("assistant"),
    /** A tool result in the OpenAI shape (usually with a {@code tool_call_id}). */
    TOOL("tool"),
    /** A tool result as Llama 3.1 names it. */
    IPYTHON("ipython");

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    /** The name in JSON messages and in the template, e.g. {@code "assistant"}. */
    public String wireName() {
        return wireName;
    }

    /** @throws InvalidRequestException for a role llama3j does not know */
    public static Role fromWireName(String name) {
        for (Role r : values()) {
            if (r.wireName.equals(name)) {
                return r;
            }
        }
        throw new InvalidRequestException("unknown message role '" + name
                + "': expected system, user, assistant, tool or ipython", "messages");
    }

    boolean isToolResult() {
        return this == TOOL || this == IPYTHON;
    }
}
