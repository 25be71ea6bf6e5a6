package dev.llama3j.tokenizer;

/**
 * UTF-8 encoding and lenient decoding. Decoding replaces each maximal invalid subsequence by one
 * U+FFFD, as Python's {@code bytes.decode(errors="replace")} and Rust's {@code from_utf8_lossy} do, so
 * that our text matches Hugging Face's byte for byte; it can also stop before an unfinished character
 * so that a stream of tokens can be decoded piece by piece.
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    /**
     * Decodes {@code bytes[from, to)} into {@code out}.
     *
     * @param endOfInput when false, a trailing sequence that is a valid start of a character is left
     *     undecoded (more bytes may complete it); when true it becomes U+FFFD
     * @return the index of the first byte not decoded ({@code to} unless a tail was held back)
     */
    static int decode(byte[] bytes, int from, int to, StringBuilder out, boolean endOfInput) {
        int i = from;
        while (i < to) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;
            int cp;
            // The allowed range of the second byte excludes overlong forms, surrogates and > U+10FFFF.
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                cp = b0 & 0x0F;
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                cp = b0 & 0x07;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                out.append(REPLACEMENT);
                i++;
                continue;
            }
            int j = i + 1;
            int got = 0;
            while (got < need) {
                if (j >= to) {
                    if (!endOfInput) {
                        return i;
                    }
                    break;
                }
                int b = bytes[j] & 0xFF;
                if (b < lo || b > hi) {
                    break;
                }
                cp = (cp << 6) | (b & 0x3F);
                j++;
                got++;
                lo = 0x80;
                hi = 0xBF;
            }
            if (got < need) {
                // The valid prefix [i, j) is one maximal subpart; byte j starts afresh.
                out.append(REPLACEMENT);
            } else {
                out.appendCodePoint(cp);
            }
            i = j;
        }
        return to;
    }

    /** Decodes complete input, replacing invalid sequences. */
    static String decode(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        decode(bytes, from, to, sb, true);
        return sb.toString();
    }

    /**
     * Encodes {@code text[from, to)} as UTF-8 into {@code out} (which must hold {@code 3 * (to - from)}
     * bytes); a lone surrogate becomes U+FFFD. Returns the number of bytes written.
     */
    static int encode(CharSequence text, int from, int to, byte[] out) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xC0 | (c >> 6));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                out[n++] = (byte) (0xF0 | (cp >> 18));
                out[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                if (Character.isSurrogate(c)) {
                    c = REPLACEMENT;
                }
                out[n++] = (byte) (0xE0 | (c >> 12));
                out[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return n;
    }
}
