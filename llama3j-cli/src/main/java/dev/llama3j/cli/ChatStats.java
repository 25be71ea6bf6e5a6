package dev.llama3j.cli;

import dev.llama3j.engine.GenerationResult;
import java.util.Locale;

/** The line after each answer: how many tokens, how fast. */
final class ChatStats {
    private ChatStats() {}

    /**
     * e.g. {@code [16 tokens at 28.5 tok/s · prompt: 58 new tokens at 246.7 tok/s, 70 from cache]}: the
     * prompt's speed counts only the tokens computed, not those reused from the previous turn.
     */
    static String line(GenerationResult r) {
        int computed = r.promptTokens().length - r.cachedPromptTokens();
        String cached = r.cachedPromptTokens() > 0 ? ", " + r.cachedPromptTokens() + " from cache" : "";
        return String.format(Locale.ROOT, "[%d tokens at %.1f tok/s · prompt: %d new tokens at %.1f tok/s%s]",
                r.tokens().length, r.generationTokensPerSecond(), computed, r.promptTokensPerSecond(), cached);
    }
}
