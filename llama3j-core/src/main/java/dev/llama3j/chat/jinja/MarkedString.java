package dev.llama3j.chat.jinja;

import java.util.BitSet;

/**
 * A string in which every character knows whether it is <em>trusted</em>: written by the template
 * author (literal template text and string literals such as {@code "<|eot_id|>"}, or variables the
 * caller marks as markup such as {@code bos_token}) or <em>untrusted</em>: taken from data (message
 * content, tool JSON, numbers, plain variables).
 *
 * <p>The renderer carries these marks through concatenation, slicing, {@code trim}, {@code join} and
 * the like, so that the final prompt can say which characters may start a special token. That is
 * what keeps a user who types {@code <|eot_id|>} from closing their own turn.
 *
 * <p>Immutable. Plain Java {@link String} values inside the renderer count as fully untrusted.
 */
public final class MarkedString implements CharSequence {
    private static final MarkedString EMPTY = new MarkedString("", new BitSet());

    private final String text;
    /** Bit i set = character i is trusted. Never modified after construction. */
    private final BitSet trusted;

    private MarkedString(String text, BitSet trusted) {
        this.text = text;
        this.trusted = trusted;
    }

    /** Text the template author wrote: every character trusted. */
    public static MarkedString trusted(String text) {
        BitSet bits = new BitSet(text.length());
        bits.set(0, text.length());
        return new MarkedString(text, bits);
    }

    /** Data: no character trusted. */
    public static MarkedString untrusted(String text) {
        return text.isEmpty() ? EMPTY : new MarkedString(text, new BitSet());
    }

    public static MarkedString empty() {
        return EMPTY;
    }

    public String text() {
        return text;
    }

    public boolean isTrusted(int index) {
        return trusted.get(index);
    }

    /** True when every character in {@code [from, to)} is trusted (and the range is not empty). */
    public boolean isTrusted(int from, int to) {
        return from < to && trusted.nextClearBit(from) >= to;
    }

    /** A copy of the trusted positions. */
    public BitSet trustedChars() {
        return (BitSet) trusted.clone();
    }

    public boolean hasTrustedChars() {
        return !trusted.isEmpty();
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public char charAt(int index) {
        return text.charAt(index);
    }

    @Override
    public MarkedString subSequence(int start, int end) {
        return substring(start, end);
    }

    /** Characters {@code [from, to)} (UTF-16 indices) with their marks. */
    public MarkedString substring(int from, int to) {
        if (from == 0 && to == text.length()) {
            return this;
        }
        return new MarkedString(text.substring(from, to), trusted.get(from, to));
    }

    public MarkedString concat(MarkedString other) {
        if (other.text.isEmpty()) {
            return this;
        }
        if (text.isEmpty()) {
            return other;
        }
        return new Builder().append(this).append(other).build();
    }

    /**
     * The same characters transformed one for one (case mapping). When the length changes (German
     * sharp s upper-cases to two letters) positions no longer line up: the result is trusted only if
     * all of this string was.
     */
    MarkedString mapText(String mapped) {
        if (mapped.length() == text.length()) {
            return new MarkedString(mapped, trusted);
        }
        boolean allTrusted = trusted.cardinality() == text.length();
        return allTrusted ? trusted(mapped) : untrusted(mapped);
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MarkedString m && m.text.equals(text) && m.trusted.equals(trusted);
    }

    @Override
    public int hashCode() {
        return text.hashCode() * 31 + trusted.hashCode();
    }

    /** Accumulates text with its marks; the renderer's output buffer. */
    public static final class Builder {
        private final StringBuilder sb = new StringBuilder();
        private final BitSet bits = new BitSet();

        public Builder append(String s, boolean isTrusted) {
            int start = sb.length();
            sb.append(s);
            if (isTrusted) {
                bits.set(start, sb.length());
            }
            return this;
        }

        public Builder append(MarkedString s) {
            int start = sb.length();
            sb.append(s.text);
            for (int i = s.trusted.nextSetBit(0); i >= 0; i = s.trusted.nextSetBit(i + 1)) {
                bits.set(start + i);
            }
            return this;
        }

        /** Appends one character copied from {@code s} at {@code index}, mark included. */
        Builder appendChar(MarkedString s, int index) {
            if (s.trusted.get(index)) {
                bits.set(sb.length());
            }
            sb.append(s.text.charAt(index));
            return this;
        }

        public int length() {
            return sb.length();
        }

        public MarkedString build() {
            return new MarkedString(sb.toString(), (BitSet) bits.clone());
        }
    }
}
