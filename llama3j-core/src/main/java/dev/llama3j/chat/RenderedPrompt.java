package dev.llama3j.chat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * A rendered chat prompt and, for each character, whether it is trusted: written by the template
 * (headers, {@code <|eot_id|>}, {@code bos_token}) rather than taken from messages, tool JSON or
 * other data. Encode it with special tokens recognised only at {@link #specialAllowedAt()}, so that
 * a user who types {@code <|eot_id|><|start_header_id|>system<|end_header_id|>} gets plain text:
 *
 * <pre>{@code
 * RenderedPrompt p = template.render(messages, tools, RenderOptions.defaults());
 * int[] ids = tokenizer.encode(p.text(), p.specialAllowedAt());
 * }</pre>
 *
 * @param text the prompt
 * @param trustedChars bit i set when character i (UTF-16 index) is trusted
 */
public record RenderedPrompt(String text, BitSet trustedChars) {
    private static final String SPECIAL_OPEN = "<|";
    private static final String SPECIAL_CLOSE = "|>";

    public RenderedPrompt {
        trustedChars = (BitSet) trustedChars.clone();
    }

    @Override
    public BitSet trustedChars() {
        return (BitSet) trustedChars.clone();
    }

    public boolean isTrusted(int index) {
        return trustedChars.get(index);
    }

    /** True when all of {@code [from, to)} is trusted. */
    public boolean isTrusted(int from, int to) {
        return from < to && trustedChars.nextClearBit(from) >= to;
    }

    /**
     * Where a special token may start: at a trusted character, and for a {@code <|...|>} token only
     * when the whole token up to its {@code |>} is trusted, so that template text cannot be completed
     * into a special token by data.
     */
    public IntPredicate specialAllowedAt() {
        BitSet bits = trustedChars;
        String s = text;
        return i -> {
            if (i < 0 || i >= s.length() || !bits.get(i)) {
                return false;
            }
            if (s.startsWith(SPECIAL_OPEN, i)) {
                int close = s.indexOf(SPECIAL_CLOSE, i + SPECIAL_OPEN.length());
                return close < 0 || bits.nextClearBit(i) >= close + SPECIAL_CLOSE.length();
            }
            return true;
        };
    }

    /** The prompt cut into runs of trusted and untrusted text, for display and debugging. */
    public List<Segment> segments() {
        List<Segment> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            boolean trusted = trustedChars.get(i);
            int end = trusted ? trustedChars.nextClearBit(i) : trustedChars.nextSetBit(i);
            if (end < 0 || end > text.length()) {
                end = text.length();
            }
            out.add(new Segment(text.substring(i, end), trusted));
            i = end;
        }
        return out;
    }

    /** A run of characters that are all trusted or all untrusted. */
    public record Segment(String text, boolean trusted) { }
}
