package dev.llama3j.chat;

/**
 * Why a generation or an assistant message ended; the one list that the engine, the chat API and the
 * server share, each with its OpenAI name ({@link #wireName()}).
 */
public enum FinishReason {
    /** An end-of-turn token or a stop string. */
    STOP("stop"),
    /** The token limit or the end of the context. */
    LENGTH("length"),
    /** An assistant message that is one or more tool calls (set by the chat step, never by the engine). */
    TOOL_CALLS("tool_calls"),
    /** A safety model flagged the answer, which is withheld (the server's {@code --moderate output}). */
    CONTENT_FILTER("content_filter"),
    /** The caller cancelled it (or the client went away). */
    CANCELLED("cancelled"),
    /** It failed; see the listener's error. */
    ERROR("error");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    /** The OpenAI spelling, e.g. {@code "tool_calls"}. */
    public String wireName() {
        return wireName;
    }
}
