package dev.llama3j.engine;

/** Why a generation ended. */
public enum FinishReason {
    /** An end-of-turn token or a stop string. */
    STOP,
    /** The token limit or the end of the context. */
    LENGTH,
    /** The caller cancelled it (or the client went away). */
    CANCELLED,
    /** It failed; see the listener's error. */
    ERROR;

    /** The OpenAI spelling. */
    public String openAiName() {
        return switch (this) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
            case ERROR -> "error";
        };
    }
}
