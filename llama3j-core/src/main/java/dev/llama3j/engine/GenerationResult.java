package dev.llama3j.engine;

import dev.llama3j.chat.FinishReason;
import java.util.List;

/**
 * A finished generation.
 *
 * @param promptTokens the prompt's ids
 * @param tokens the generated ids, the stop token included when one ended it
 * @param text the generated text, stop token and stop string excluded
 * @param finishReason why it ended
 * @param cachedPromptTokens prompt tokens reused from the cache rather than computed
 * @param promptNanos time from admission to the first generated token
 * @param generationNanos time from the first to the last generated token
 * @param events every token event (with log-probabilities when asked)
 */
public record GenerationResult(
        int[] promptTokens,
        int[] tokens,
        String text,
        FinishReason finishReason,
        int cachedPromptTokens,
        long promptNanos,
        long generationNanos,
        List<TokenEvent> events) {

    /** Prompt tokens per second (computed ones only). */
    public double promptTokensPerSecond() {
        int computed = promptTokens.length - cachedPromptTokens;
        return promptNanos == 0 ? 0 : computed / (promptNanos / 1e9);
    }

    /** Generated tokens per second after the first. */
    public double generationTokensPerSecond() {
        return tokens.length <= 1 || generationNanos == 0 ? 0 : (tokens.length - 1) / (generationNanos / 1e9);
    }
}
