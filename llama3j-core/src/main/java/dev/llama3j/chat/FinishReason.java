package dev.llama3j.chat;

/** Why an assistant message ended, with the OpenAI names. */
public enum FinishReason {
    /** The turn ended ({@code <|eot_id|>}, {@code <|end_of_text|>}) with plain content. */
    STOP("stop"),
    /** The message is one or more tool calls. */
    TOOL_CALLS("tool_calls"),
    /** Generation hit the token limit before an end token. */
    LENGTH("length");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
