package dev.llama3j.grammar;

/** Writing GBNF text: string literals and character classes with every awkward character escaped. */
final class GbnfText {
    private GbnfText() {}

    /** A GBNF string literal matching exactly {@code text}. */
    static String literal(String text) {
        StringBuilder sb = new StringBuilder("\"");
        text.codePoints().forEach(cp -> appendChar(sb, cp, false));
        return sb.append('"').toString();
    }

    /** A one-character GBNF literal. */
    static String literal(int cp) {
        StringBuilder sb = new StringBuilder("\"");
        appendChar(sb, cp, false);
        return sb.append('"').toString();
    }

    /** Appends {@code cp} escaped for a literal, or for a character class when {@code inClass}. */
    static void appendChar(StringBuilder sb, int cp, boolean inClass) {
        switch (cp) {
            case '"' -> sb.append("\\\"");
            case '\\' -> sb.append("\\\\");
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            default -> {
                if (inClass && (cp == ']' || cp == '[' || cp == '-' || cp == '^')) {
                    sb.append('\\').appendCodePoint(cp);
                } else if (cp < 0x20 || cp == 0x7F) {
                    sb.append(String.format("\\x%02X", cp));
                } else if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
                    sb.append(String.format("\\u%04X", cp));
                } else {
                    sb.appendCodePoint(cp);
                }
            }
        }
    }

    /** A class over inclusive ranges {@code lo0, hi0, lo1, hi1, ...}, negated when asked. */
    static String charClass(int[] ranges, boolean negated) {
        StringBuilder sb = new StringBuilder(negated ? "[^" : "[");
        for (int i = 0; i < ranges.length; i += 2) {
            appendChar(sb, ranges[i], true);
            if (ranges[i + 1] != ranges[i]) {
                sb.append('-');
                appendChar(sb, ranges[i + 1], true);
            }
        }
        return sb.append(']').toString();
    }
}
