package dev.llama3j.grammar;

import dev.llama3j.error.GrammarException;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON Schema {@code pattern} (ECMA-262 regex) as a GBNF expression for the inside of a JSON string.
 *
 * <p>Supported: literals and escapes (dot, n, t, x and u escapes), classes ({@code [a-z]},
 * {@code [^...]}, {@code \d \w \s} and their negations), {@code .}, groups ({@code (...)},
 * {@code (?:...)}), {@code |}, quantifiers ({@code * + ? {m} {m,} {m,n}}, lazy forms too), {@code ^} at
 * the start and {@code $} at the end. A side without its anchor may have any text there, as the
 * regex search that JSON Schema specifies allows. Backreferences, lookarounds, word boundaries and
 * named groups are refused by name.
 *
 * <p>The output is JSON text: a literal {@code "} or {@code \} is written escaped ({@code \"},
 * {@code \\}), and classes, {@code .} and negations never produce control characters, quotes or
 * backslashes (so a class may match fewer strings than the regex; never more).
 */
final class RegexToGbnf {
    /** A JSON string character written as itself: no quote, backslash or control character. */
    static final String PLAIN_CHAR = "[^\"\\\\\\x00-\\x1F\\x7F]";
    private static final int[] UNSAFE = {0x00, 0x1F, '"', '"', '\\', '\\', 0x7F, 0x7F};

    private final String pattern;
    private final String path;
    private int pos;

    private RegexToGbnf(String pattern, String path) {
        this.pattern = pattern;
        this.path = path;
    }

    /** The GBNF expression for the string's content (without its quotes). */
    static String convert(String pattern, String path) {
        RegexToGbnf r = new RegexToGbnf(pattern, path);
        boolean anchoredStart = pattern.startsWith("^");
        if (anchoredStart) {
            r.pos = 1;
        }
        String body = r.alternation();
        boolean anchoredEnd = false;
        if (r.pos < pattern.length() && pattern.charAt(r.pos) == '$' && r.pos == pattern.length() - 1) {
            anchoredEnd = true;
            r.pos++;
        }
        if (r.pos < pattern.length()) {
            throw r.unsupported(pattern.charAt(r.pos) == ')' ? "an unmatched ')'" : "'" + pattern.charAt(r.pos)
                    + "' here");
        }
        String any = PLAIN_CHAR + "*";
        return (anchoredStart ? "" : any + " ") + "(" + body + ")" + (anchoredEnd ? "" : " " + any);
    }

    private String alternation() {
        List<String> alternatives = new ArrayList<>();
        alternatives.add(sequence());
        while (pos < pattern.length() && pattern.charAt(pos) == '|') {
            pos++;
            alternatives.add(sequence());
        }
        return String.join(" | ", alternatives);
    }

    private String sequence() {
        StringBuilder sb = new StringBuilder();
        while (pos < pattern.length()) {
            char c = pattern.charAt(pos);
            if (c == '|' || c == ')') {
                break;
            }
            if (c == '$' && pos == pattern.length() - 1) {
                break; // the end anchor, handled by convert
            }
            String atom = atom();
            String quantifier = quantifier();
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(quantifier.isEmpty() ? atom : "(" + atom + ")" + quantifier);
        }
        return sb.toString();
    }

    private String atom() {
        char c = pattern.charAt(pos);
        switch (c) {
            case '(' -> {
                pos++;
                if (pattern.startsWith("?:", pos)) {
                    pos += 2;
                } else if (pos < pattern.length() && pattern.charAt(pos) == '?') {
                    throw unsupported("lookarounds and named groups '(?" + (pos + 1 < pattern.length()
                            ? pattern.charAt(pos + 1) : "") + "'");
                }
                String inner = alternation();
                if (pos >= pattern.length() || pattern.charAt(pos) != ')') {
                    throw unsupported("an unclosed '('");
                }
                pos++;
                return "(" + inner + ")";
            }
            case '[' -> {
                return charClass();
            }
            case '.' -> {
                pos++;
                return "[^\"\\\\\\x00-\\x1F\\x7F\\u2028\\u2029]";
            }
            case '\\' -> {
                return escape();
            }
            case '^', '$' -> throw unsupported("'" + c + "' anywhere but at the start or end of the pattern");
            case '*', '+', '?', '{' -> throw unsupported("'" + c + "' with nothing to repeat");
            default -> {
                int cp = pattern.codePointAt(pos);
                pos += Character.charCount(cp);
                return jsonLiteral(cp);
            }
        }
    }

    private String quantifier() {
        if (pos >= pattern.length()) {
            return "";
        }
        char c = pattern.charAt(pos);
        String q;
        if (c == '*' || c == '+' || c == '?') {
            pos++;
            q = String.valueOf(c);
        } else if (c == '{' && pattern.indexOf('}', pos) > 0
                && pattern.substring(pos + 1, pattern.indexOf('}', pos)).matches("\\d+(,\\d*)?")) {
            int close = pattern.indexOf('}', pos);
            q = pattern.substring(pos, close + 1);
            pos = close + 1;
        } else {
            return "";
        }
        if (pos < pattern.length() && pattern.charAt(pos) == '?') {
            pos++; // lazy: the same strings
        }
        return q;
    }

    /** Steps over a backslash and returns the character it escapes. */
    private char escapedChar() {
        pos++;
        if (pos >= pattern.length()) {
            throw unsupported("a '\\' at the end");
        }
        return pattern.charAt(pos++);
    }

    private String escape() {
        char e = escapedChar();
        int[] set = classEscape(e);
        if (set != null) {
            return charClassOf(set, Character.isUpperCase(e));
        }
        return jsonLiteral(escapedChar(e));
    }

    /** The ranges of {@code \d \w \s} (and of their upper-case negations), or null for other escapes. */
    private static int[] classEscape(char e) {
        return switch (Character.toLowerCase(e)) {
            case 'd' -> new int[] {'0', '9'};
            case 'w' -> new int[] {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
            case 's' -> new int[] {' ', ' '}; // tabs and line breaks would need JSON escapes: left out
            default -> null;
        };
    }

    /** The character of a single-character escape such as {@code \.} or {@code \n}. */
    private int escapedChar(char e) {
        switch (e) {
            case 'n' -> {
                return '\n';
            }
            case 't' -> {
                return '\t';
            }
            case 'r' -> {
                return '\r';
            }
            case 'f' -> {
                return '\f';
            }
            case 'v' -> {
                return 0x0B;
            }
            case '0' -> {
                return 0;
            }
            case 'x', 'u' -> {
                int n = e == 'x' ? 2 : 4;
                if (pos + n > pattern.length() || !pattern.substring(pos, pos + n).matches("[0-9a-fA-F]+")) {
                    throw unsupported("'\\" + e + "' without " + n + " hex digits");
                }
                int cp = Integer.parseInt(pattern.substring(pos, pos + n), 16);
                pos += n;
                return cp;
            }
            case 'b', 'B' -> throw unsupported("word boundaries '\\" + e + "'");
            default -> {
                if (Character.isDigit(e) || e == 'k') {
                    throw unsupported("backreferences '\\" + e + "'");
                }
                if (Character.isLetter(e)) {
                    throw unsupported("the escape '\\" + e + "'");
                }
                return e;
            }
        }
    }

    private String charClass() {
        pos++; // [
        boolean negated = pos < pattern.length() && pattern.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        List<int[]> ranges = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (pos >= pattern.length()) {
                throw unsupported("an unclosed '['");
            }
            char c = pattern.charAt(pos);
            if (c == ']' && !first) {
                pos++;
                break;
            }
            first = false;
            int lo;
            if (c == '\\') {
                char e = escapedChar();
                int[] set = classEscape(e);
                if (set != null) {
                    if (Character.isUpperCase(e)) {
                        throw unsupported("'\\" + e + "' inside a class");
                    }
                    for (int i = 0; i < set.length; i += 2) {
                        ranges.add(new int[] {set[i], set[i + 1]});
                    }
                    continue;
                }
                lo = e == 'b' ? 0x08 : escapedChar(e);
            } else {
                lo = pattern.codePointAt(pos);
                pos += Character.charCount(lo);
            }
            int hi = lo;
            if (pos + 1 < pattern.length() && pattern.charAt(pos) == '-' && pattern.charAt(pos + 1) != ']') {
                pos++;
                if (pattern.charAt(pos) == '\\') {
                    pos++;
                    hi = escapedChar(pattern.charAt(pos++));
                } else {
                    hi = pattern.codePointAt(pos);
                    pos += Character.charCount(hi);
                }
                if (hi < lo) {
                    throw unsupported("a backwards range in a class");
                }
            }
            ranges.add(new int[] {lo, hi});
        }
        int[] merged = GbnfParser.merge(ranges);
        return charClassOf(merged, negated);
    }

    /**
     * A class as JSON text: negated classes also exclude the characters JSON must escape; positive
     * classes drop them, except that a quote or backslash in the class is offered in its escaped form.
     */
    private static String charClassOf(int[] ranges, boolean negated) {
        if (negated) {
            List<int[]> all = new ArrayList<>();
            for (int i = 0; i < ranges.length; i += 2) {
                all.add(new int[] {ranges[i], ranges[i + 1]});
            }
            for (int i = 0; i < UNSAFE.length; i += 2) {
                all.add(new int[] {UNSAFE[i], UNSAFE[i + 1]});
            }
            return GbnfText.charClass(GbnfParser.merge(all), true);
        }
        List<String> parts = new ArrayList<>();
        int[] safe = subtract(ranges, UNSAFE_MERGED);
        if (safe.length > 0) {
            parts.add(GbnfText.charClass(safe, false));
        }
        for (int special : new int[] {'"', '\\'}) {
            if (contains(ranges, special)) {
                parts.add(jsonLiteral(special));
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalStateException("unreachable: class of control characters only");
        }
        return parts.size() == 1 ? parts.get(0) : "(" + String.join(" | ", parts) + ")";
    }

    private static final int[] UNSAFE_MERGED = GbnfParser.merge(new ArrayList<>(List.of(
            new int[] {0x00, 0x1F}, new int[] {'"', '"'}, new int[] {'\\', '\\'}, new int[] {0x7F, 0x7F})));

    /** {@code ranges} without the code points of {@code remove} (both sorted, disjoint). */
    private static int[] subtract(int[] ranges, int[] remove) {
        int[] keep = GbnfParser.complement(remove);
        IntBuffer out = new IntBuffer();
        for (int i = 0; i < ranges.length; i += 2) {
            for (int j = 0; j < keep.length; j += 2) {
                int lo = Math.max(ranges[i], keep[j]);
                int hi = Math.min(ranges[i + 1], keep[j + 1]);
                if (lo <= hi) {
                    out.add(lo);
                    out.add(hi);
                }
            }
        }
        return out.toArray();
    }

    private static boolean contains(int[] ranges, int cp) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] <= cp && cp <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** The GBNF literal of one character as JSON string content (escaped when JSON requires). */
    static String jsonLiteral(int cp) {
        String json = switch (cp) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\r' -> "\\r";
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            default -> cp < 0x20 || cp == 0x7F ? String.format("\\u%04x", cp) : new String(Character.toChars(cp));
        };
        return GbnfText.literal(json);
    }

    private GrammarException unsupported(String what) {
        return new GrammarException("JSON Schema 'pattern' at " + path + ": " + what + " is not supported (pattern "
                + pattern + ")", "json_schema");
    }
}
