package dev.llama3j.engine;

/**
 * Receives a generation's tokens as they are produced. Called on the engine's scheduler thread:
 * implementations must return quickly (hand work to another thread if it may block).
 */
public interface GenerationListener {
    /** A token was generated. */
    default void onToken(TokenEvent event) {}

    /** The generation ended normally (stop, length) or was cancelled. */
    default void onFinish(GenerationResult result) {}

    /** The generation failed; no further calls follow. */
    default void onError(Throwable error) {}
}
