package dev.llama3j;

/**
 * Hears an assistant message as it is generated. Called on the engine's scheduler thread: return
 * quickly.
 */
public interface ChatListener {
    /** Plain content that can be shown now (tool-call text is held back and arrives parsed at the end). */
    default void onContent(String delta) {}

    /** The raw token events, for log-probabilities or token counting. */
    default void onToken(dev.llama3j.engine.TokenEvent event) {}

    /** The message is complete (also after a cancellation, with what was generated). */
    default void onFinish(ChatResponse response) {}

    default void onError(Throwable error) {}
}
