package dev.llama3j.guard;

import dev.llama3j.error.InvalidRequestException;
import java.util.Locale;

/** Which side of a chat turn a guard model checks: the user's prompt, the assistant's answer, or both. */
public enum ModerationMode {
    INPUT, OUTPUT, BOTH;

    public boolean checksInput() {
        return this != OUTPUT;
    }

    public boolean checksOutput() {
        return this != INPUT;
    }

    /** {@code input}, {@code output} or {@code both}. */
    public static ModerationMode parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("moderation must be input, output or both, not '" + text + "'", "moderate");
        }
    }
}
