package dev.llama3j.deberta;

import dev.llama3j.error.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;

/**
 * SentencePiece's precompiled normalization rules ({@code normalizer_spec.precompiled_charsmap}, e.g.
 * {@code nmt_nfkc}): a little-endian uint32 trie size, a Darts double-array trie over UTF-8 bytes whose
 * values are offsets, and the replacement strings (NUL-terminated) those offsets point into.
 *
 * <p>Two readers apply it differently, and both are kept: {@link #normalizeLikeTokenizers} is Hugging
 * Face {@code tokenizers}' {@code Precompiled} normalizer (per grapheme cluster, the first rule whose key
 * is a prefix of the grapheme replaces the whole grapheme; otherwise char by char), {@link
 * #normalizeLikeSentencePiece} is sentencepiece's own (the longest rule at each position).
 */
final class PrecompiledCharsMap {
    private final int[] units;
    private final byte[] normalized;

    private PrecompiledCharsMap(int[] units, byte[] normalized) {
        this.units = units;
        this.normalized = normalized;
    }

    static PrecompiledCharsMap parse(byte[] blob, String where) {
        if (blob.length < 4) {
            throw new ModelFormatException(where + ": precompiled_charsmap is " + blob.length + " bytes, too short");
        }
        ByteBuffer bb = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieBytes = Integer.toUnsignedLong(bb.getInt());
        if (trieBytes % 4 != 0 || trieBytes > blob.length - 4 || trieBytes == 0) {
            throw new ModelFormatException(where + ": precompiled_charsmap trie size " + trieBytes
                    + " does not fit its " + blob.length + " bytes");
        }
        int[] units = new int[(int) (trieBytes / 4)];
        for (int i = 0; i < units.length; i++) {
            units[i] = bb.getInt();
        }
        byte[] normalized = new byte[blob.length - 4 - (int) trieBytes];
        bb.get(normalized);
        return new PrecompiledCharsMap(units, normalized);
    }

    /**
     * Darts' common prefix search over {@code key[from..to)}: the shortest (or the longest) rule whose
     * key is a prefix, as {@code length << 32 | value}, or -1 when none is.
     */
    private long firstOrLongest(byte[] key, int from, int to, boolean longest) {
        int pos = 0;
        int unit = units[0];
        pos ^= offset(unit);
        long found = -1;
        for (int i = from; i < to; i++) {
            int c = key[i] & 0xFF;
            pos ^= c;
            if (pos < 0 || pos >= units.length) {
                break;
            }
            unit = units[pos];
            if ((unit & ((1 << 31) | 0xFF)) != c) {
                break;
            }
            pos ^= offset(unit);
            if (((unit >>> 8) & 1) == 1 && pos < units.length) {
                int value = units[pos] & 0x7FFFFFFF;
                found = ((long) (i + 1 - from) << 32) | value;
                if (!longest) {
                    return found;
                }
            }
        }
        return found;
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private String replacement(int value) {
        int end = value;
        while (end < normalized.length && normalized[end] != 0) {
            end++;
        }
        return new String(normalized, value, end - value, StandardCharsets.UTF_8);
    }

    /** The replacement of the shortest rule matching a prefix of {@code s}, or null. */
    private String transform(String s) {
        byte[] key = s.getBytes(StandardCharsets.UTF_8);
        long hit = firstOrLongest(key, 0, key.length, false);
        return hit < 0 ? null : replacement((int) hit);
    }

    /** Hugging Face tokenizers' {@code Precompiled} normalizer. */
    String normalizeLikeTokenizers(String text) {
        StringBuilder out = new StringBuilder(text.length());
        BreakIterator graphemes = BreakIterator.getCharacterInstance();
        graphemes.setText(text);
        int start = graphemes.first();
        for (int end = graphemes.next(); end != BreakIterator.DONE; start = end, end = graphemes.next()) {
            String grapheme = text.substring(start, end);
            if (utf8Length(grapheme) < 6) {
                String norm = transform(grapheme);
                if (norm != null) {
                    out.append(norm);
                    continue;
                }
            }
            for (int i = 0; i < grapheme.length(); ) {
                int cp = grapheme.codePointAt(i);
                int n = Character.charCount(cp);
                String norm = transform(grapheme.substring(i, i + n));
                if (norm != null) {
                    out.append(norm);
                } else {
                    out.appendCodePoint(cp);
                }
                i += n;
            }
        }
        return out.toString();
    }

    /** sentencepiece's rule: at each position the longest matching rule, else one character as it is. */
    String normalizeLikeSentencePiece(String text) {
        byte[] key = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < key.length) {
            long hit = firstOrLongest(key, i, key.length, true);
            if (hit >= 0) {
                out.append(replacement((int) hit));
                i += (int) (hit >>> 32);
            } else {
                int n = utf8CharLength(key[i]);
                out.append(new String(key, i, Math.min(n, key.length - i), StandardCharsets.UTF_8));
                i += n;
            }
        }
        return out.toString();
    }

    private static int utf8CharLength(byte lead) {
        int b = lead & 0xFF;
        return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            i += Character.charCount(cp);
        }
        return n;
    }
}
