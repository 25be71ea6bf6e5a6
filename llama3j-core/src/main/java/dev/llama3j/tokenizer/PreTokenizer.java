package dev.llama3j.tokenizer;

/**
 * Splits text into the pieces that BPE sees, exactly as Llama 3's pre-tokenizer regex does:
 *
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * </pre>
 *
 * <p>A hand-written scanner rather than {@code java.util.regex}: it is several times faster, and it
 * follows the Unicode semantics of the regex engine Hugging Face uses (Oniguruma) where Java's
 * differs: {@code \s} is Unicode White_Space (no-break spaces included, U+001C..U+001F excluded),
 * {@code \p{N}} includes letter numbers and other numbers (Ⅻ, ², ½), and the text is read in code
 * points, so an emoji is one character. Each alternative below is the regex's, tried in its order,
 * with the backtracking that the regex would do worked out by hand.
 */
final class PreTokenizer {
    static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final byte OTHER = 0;
    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;

    /** The class of every BMP character, computed once (64 KiB) so that the scan does no lookups. */
    private static final byte[] BMP_CLASS = new byte[0x10000];

    static {
        for (int c = 0; c < BMP_CLASS.length; c++) {
            BMP_CLASS[c] = computeClass(c);
        }
    }

    private PreTokenizer() {}

    private static byte computeClass(int cp) {
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER -> {
                return LETTER;
            }
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> {
                return NUMBER;
            }
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> {
                return SPACE;
            }
            default -> {
                // Unicode White_Space = the separators above plus TAB, LF, VT, FF, CR and NEL.
                return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 ? SPACE : OTHER;
            }
        }
    }

    private static int classOf(int cp) {
        return cp < 0x10000 ? BMP_CLASS[cp] : computeClass(cp);
    }

    /** The code point at {@code i}, not pairing a high surrogate with a low one at or past {@code end}. */
    private static int codePointAt(CharSequence s, int i, int end) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < end) {
            char d = s.charAt(i + 1);
            if (Character.isLowSurrogate(d)) {
                return Character.toCodePoint(c, d);
            }
        }
        return c;
    }

    private static boolean isNewline(int cp) {
        return cp == '\r' || cp == '\n';
    }

    /**
     * The end (exclusive, a char index) of the piece that starts at {@code start} in
     * {@code text[start, end)}; {@code end} is treated as the end of the text. Requires
     * {@code start < end}.
     */
    static int pieceEnd(CharSequence text, int start, int end) {
        int cp = codePointAt(text, start, end);
        int afterFirst = start + Character.charCount(cp);
        int cls = classOf(cp);

        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (cp == '\'' && afterFirst < end) {
            int contraction = contractionEnd(text, afterFirst, end);
            if (contraction > 0) {
                return contraction;
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (cls == LETTER) {
            return letterRunEnd(text, afterFirst, end);
        }
        if (cls != NUMBER && !isNewline(cp) && afterFirst < end) {
            int next = codePointAt(text, afterFirst, end);
            if (classOf(next) == LETTER) {
                return letterRunEnd(text, afterFirst + Character.charCount(next), end);
            }
        }
        // \p{N}{1,3}
        if (cls == NUMBER) {
            int i = afterFirst;
            for (int count = 1; count < 3 && i < end; count++) {
                int next = codePointAt(text, i, end);
                if (classOf(next) != NUMBER) {
                    break;
                }
                i += Character.charCount(next);
            }
            return i;
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        int symbolsStart = -1;
        if (cls == OTHER) {
            symbolsStart = start;
        } else if (cp == ' ' && afterFirst < end && classOf(codePointAt(text, afterFirst, end)) == OTHER) {
            symbolsStart = afterFirst;
        }
        if (symbolsStart >= 0) {
            int i = symbolsStart;
            while (i < end) {
                int next = codePointAt(text, i, end);
                if (classOf(next) != OTHER) {
                    break;
                }
                i += Character.charCount(next);
            }
            while (i < end && isNewline(text.charAt(i))) {
                i++;
            }
            return i;
        }
        // What is left starts with whitespace (every White_Space character is in the BMP).
        int runEnd = start;
        int lastNewline = -1;
        while (runEnd < end) {
            char c = text.charAt(runEnd);
            if (BMP_CLASS[c] != SPACE) {
                break;
            }
            if (isNewline(c)) {
                lastNewline = runEnd;
            }
            runEnd++;
        }
        // \s*[\r\n]+ : the greedy \s* backs off to the last newline of the run.
        if (lastNewline >= 0) {
            return lastNewline + 1;
        }
        // \s+(?!\S) : the whole run at the end of the text, else all but its last character...
        if (runEnd == end) {
            return end;
        }
        if (runEnd - 1 > start) {
            return runEnd - 1;
        }
        // \s+ : ...unless that leaves nothing, so a lone space before a word stands alone.
        return runEnd;
    }

    /** After an apostrophe at {@code i - 1}: the end of a contraction, or 0 if there is none. */
    private static int contractionEnd(CharSequence text, int i, int end) {
        char c = text.charAt(i);
        switch (c) {
            // U+017F LATIN SMALL LETTER LONG S case-folds to 's', so (?i) matches it.
            case 's', 'S', '\u017F', 't', 'T', 'm', 'M', 'd', 'D' -> {
                return i + 1;
            }
            case 'r', 'R', 'v', 'V' -> {
                return i + 1 < end && (text.charAt(i + 1) | 0x20) == 'e' ? i + 2 : 0;
            }
            case 'l', 'L' -> {
                return i + 1 < end && (text.charAt(i + 1) | 0x20) == 'l' ? i + 2 : 0;
            }
            default -> {
                return 0;
            }
        }
    }

    private static int letterRunEnd(CharSequence text, int i, int end) {
        while (i < end) {
            int cp = codePointAt(text, i, end);
            if (classOf(cp) != LETTER) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }
}
