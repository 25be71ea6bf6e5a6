package dev.llama3j.guard;

import java.util.List;

/**
 * What a Llama Guard model said about the last message. An answer that is neither {@code safe} nor
 * {@code unsafe} with known codes is {@link Kind#UNPARSEABLE}, which {@link #safe()} never reports as safe.
 *
 * @param rawOutput the generated text, kept so that an unparseable answer can be shown
 * @param unsafeProbability P(first generated token = "unsafe"), or NaN when not computed
 */
public record GuardVerdict(Kind kind, List<GuardCategory> categories, String rawOutput, double unsafeProbability) {
    public enum Kind { SAFE, UNSAFE, UNPARSEABLE }

    public GuardVerdict {
        categories = List.copyOf(categories);
    }

    /** True only for an explicit {@code safe} answer. */
    public boolean safe() {
        return kind == Kind.SAFE;
    }

    public GuardVerdict withUnsafeProbability(double p) {
        return new GuardVerdict(kind, categories, rawOutput, p);
    }
}
