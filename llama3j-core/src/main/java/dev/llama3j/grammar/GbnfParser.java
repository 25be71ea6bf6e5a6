package dev.llama3j.grammar;

import dev.llama3j.error.GrammarException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads llama.cpp's GBNF grammar syntax into a {@link Grammar}.
 *
 * <pre>
 * root   ::= item ("," ws item)*        # rules, sequences, groups, comments
 * item   ::= "a\n" | [a-z0-9_] | [^"] | .  # literals with escapes, classes, negated classes, any char
 * digits ::= [0-9]{1,3} | [0-9]+ "x"?      # repetitions * + ? {m} {m,} {m,n}
 * </pre>
 *
 * As in llama.cpp a rule ends at the end of its line unless it is inside parentheses; a line that
 * starts with {@code |} continues the previous rule's alternatives. Groups and repetitions become
 * generated rules (named {@code rule.N}); {@code x*} is the right-recursive rule
 * {@code r ::= x r | }, which the matcher follows without growing its stacks.
 */
final class GbnfParser {
    private static final int MAX_CODE_POINT = 0x10FFFF;
    private static final String PARAM = "grammar";

    private final String src;
    private int pos;
    private final Map<String, Integer> ruleIds = new LinkedHashMap<>();
    private final List<String> names = new ArrayList<>();
    /** Per rule, its alternatives (element lists), or null while only referenced. */
    private final List<List<IntBuffer>> rules = new ArrayList<>();
    private final Map<Integer, Integer> firstUse = new HashMap<>();
    private final List<int[]> charSets = new ArrayList<>();
    private final Map<String, Integer> charSetIds = new HashMap<>();
    private int generated;

    GbnfParser(String src) {
        this.src = src;
    }

    Grammar parse() {
        skipSpace(true);
        while (pos < src.length()) {
            parseRule();
            skipSpace(true);
        }
        for (int id = 0; id < rules.size(); id++) {
            if (rules.get(id) == null) {
                throw error("undefined rule '" + names.get(id) + "'", firstUse.get(id));
            }
        }
        Integer root = ruleIds.get("root");
        if (root == null) {
            throw new GrammarException("the grammar has no 'root' rule: generation starts at 'root', so define"
                    + " it (root ::= ...)", PARAM);
        }
        new LeftRecursionCheck(names, rules).run();
        return compile(root);
    }

    // ------------------------------------------------------------------ rules and expressions

    private void parseRule() {
        int start = pos;
        String name = parseName();
        skipSpace(false);
        if (!src.startsWith("::=", pos)) {
            throw error("expected '::=' after rule name '" + name + "'", pos);
        }
        pos += 3;
        skipSpace(true);
        int id = ruleId(name, -1);
        if (rules.get(id) != null) {
            throw error("rule '" + name + "' is defined twice", start);
        }
        rules.set(id, List.of()); // defined: a second definition is an error even while this one is parsed
        rules.set(id, parseAlternates(name, false));
        if (pos < src.length() && src.charAt(pos) != '\n' && src.charAt(pos) != '\r') {
            throw error("unexpected '" + src.charAt(pos) + "': expected a symbol, '|' or the end of the line", pos);
        }
    }

    private List<IntBuffer> parseAlternates(String ruleName, boolean nested) {
        List<IntBuffer> alternatives = new ArrayList<>();
        alternatives.add(parseSequence(ruleName, nested));
        while (true) {
            if (!nested) {
                int save = pos;
                skipSpace(true);
                if (pos >= src.length() || src.charAt(pos) != '|') {
                    pos = save;
                    return alternatives;
                }
            }
            if (pos >= src.length() || src.charAt(pos) != '|') {
                return alternatives;
            }
            pos++;
            skipSpace(true);
            alternatives.add(parseSequence(ruleName, nested));
        }
    }

    private IntBuffer parseSequence(String ruleName, boolean nested) {
        IntBuffer seq = new IntBuffer();
        int lastStart = -1;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            int at = pos;
            if (c == '"') {
                pos++;
                lastStart = seq.size();
                while (true) {
                    if (pos >= src.length() || src.charAt(pos) == '\n' || src.charAt(pos) == '\r') {
                        throw error("unterminated string literal", at);
                    }
                    if (src.charAt(pos) == '"') {
                        pos++;
                        break;
                    }
                    int cp = parseChar();
                    seq.add(charSet(new int[] {cp, cp}));
                }
                if (seq.size() == lastStart) {
                    lastStart = -1; // "" is nothing: there is nothing to repeat
                }
            } else if (c == '[') {
                lastStart = seq.size();
                seq.add(parseCharClass());
            } else if (c == '.') {
                pos++;
                lastStart = seq.size();
                seq.add(charSet(new int[] {0, MAX_CODE_POINT}));
            } else if (isWordChar(c)) {
                String name = parseName();
                lastStart = seq.size();
                seq.add(ruleId(name, at));
            } else if (c == '(') {
                pos++;
                skipSpace(true);
                int id = newRule(ruleName);
                rules.set(id, parseAlternates(ruleName, true));
                if (pos >= src.length() || src.charAt(pos) != ')') {
                    throw error("expected ')' to close the group opened here", at);
                }
                pos++;
                lastStart = seq.size();
                seq.add(id);
            } else if (c == '*' || c == '+' || c == '?') {
                pos++;
                requireItem(lastStart, c, at);
                repeat(seq, lastStart, c == '+' ? 1 : 0, c == '?' ? 1 : -1, ruleName);
                lastStart = seq.size() - 1;
            } else if (c == '{') {
                pos++;
                requireItem(lastStart, c, at);
                skipSpace(nested);
                int min = parseCount();
                int max = min;
                skipSpace(nested);
                if (pos < src.length() && src.charAt(pos) == ',') {
                    pos++;
                    skipSpace(nested);
                    max = pos < src.length() && isDigit(src.charAt(pos)) ? parseCount() : -1;
                    skipSpace(nested);
                }
                if (pos >= src.length() || src.charAt(pos) != '}') {
                    throw error("expected '}' to close the repetition {m}, {m,} or {m,n}", at);
                }
                pos++;
                if (max >= 0 && max < min) {
                    throw error("repetition {" + min + "," + max + "} has its maximum below its minimum", at);
                }
                repeat(seq, lastStart, min, max, ruleName);
                lastStart = seq.size() == 0 ? -1 : seq.size() - 1;
            } else if (c == '<' || c == '!') {
                throw error("token references (<...>) are not supported: write the token's text as a string", at);
            } else {
                break;
            }
            skipSpace(nested);
        }
        return seq;
    }

    private void requireItem(int lastStart, char op, int at) {
        if (lastStart < 0) {
            throw error("'" + op + "' must follow a symbol, a string or a group", at);
        }
    }

    /** Replaces the item at {@code seq[lastStart..]} with {@code min} to {@code max} (-1: unbounded) copies. */
    private void repeat(IntBuffer seq, int lastStart, int min, int max, String ruleName) {
        int item;
        if (seq.size() - lastStart == 1) {
            item = seq.get(lastStart);
        } else {
            item = newRule(ruleName);
            rules.set(item, List.of(seq.slice(lastStart, seq.size())));
        }
        seq.truncate(lastStart);
        for (int i = 0; i < min; i++) {
            seq.add(item);
        }
        if (max < 0) {
            int star = newRule(ruleName); // star ::= item star |
            IntBuffer more = new IntBuffer();
            more.add(item);
            more.add(star);
            rules.set(star, List.of(more, new IntBuffer()));
            seq.add(star);
        } else if (max > min) {
            int optional = -1; // opt_k ::= item opt_(k-1) |   (opt_1 ::= item | )
            for (int k = 1; k <= max - min; k++) {
                int rule = newRule(ruleName);
                IntBuffer some = new IntBuffer();
                some.add(item);
                if (optional >= 0) {
                    some.add(optional);
                }
                rules.set(rule, List.of(some, new IntBuffer()));
                optional = rule;
            }
            seq.add(optional);
        }
    }

    // ------------------------------------------------------------------ characters

    private int parseCharClass() {
        int at = pos;
        pos++; // [
        boolean negated = pos < src.length() && src.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        List<int[]> ranges = new ArrayList<>();
        while (true) {
            if (pos >= src.length() || src.charAt(pos) == '\n' || src.charAt(pos) == '\r') {
                throw error("unterminated character class", at);
            }
            if (src.charAt(pos) == ']') {
                pos++;
                break;
            }
            int lo = parseChar();
            int hi = lo;
            if (pos + 1 < src.length() && src.charAt(pos) == '-' && src.charAt(pos + 1) != ']') {
                int rangeAt = pos;
                pos++;
                hi = parseChar();
                if (hi < lo) {
                    throw error("character range is backwards (its end is below its start)", rangeAt);
                }
            }
            ranges.add(new int[] {lo, hi});
        }
        if (ranges.isEmpty() && !negated) {
            throw error("empty character class [] matches nothing", at);
        }
        int[] merged = merge(ranges);
        return charSet(negated ? complement(merged) : merged);
    }

    /** One character of a literal or class, escapes decoded, as a code point. */
    private int parseChar() {
        int at = pos;
        int c = src.codePointAt(pos);
        pos += Character.charCount(c);
        if (c != '\\') {
            return c;
        }
        if (pos >= src.length()) {
            throw error("escape '\\' at the end of the grammar", at);
        }
        char e = src.charAt(pos++);
        return switch (e) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case '\\', '"', '[', ']', '-', '^', '/', '\'' -> e;
            case 'x' -> hex(2, at);
            case 'u' -> hex(4, at);
            case 'U' -> hex(8, at);
            default -> throw error("unknown escape '\\" + e + "' (known: \\n \\r \\t \\\\ \\\" \\[ \\] \\xHH \\uHHHH"
                    + " \\UHHHHHHHH)", at);
        };
    }

    private int hex(int digits, int at) {
        if (pos + digits > src.length()) {
            throw error("escape needs " + digits + " hex digits", at);
        }
        long value = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(src.charAt(pos + i), 16);
            if (d < 0) {
                throw error("escape needs " + digits + " hex digits", at);
            }
            value = value * 16 + d;
        }
        pos += digits;
        if (value > MAX_CODE_POINT) {
            throw error("escape names U+" + Long.toHexString(value).toUpperCase() + ", beyond Unicode's last code"
                    + " point U+10FFFF", at);
        }
        return (int) value;
    }

    static int[] merge(List<int[]> ranges) {
        ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
        IntBuffer out = new IntBuffer();
        for (int[] r : ranges) {
            int n = out.size();
            if (n > 0 && r[0] <= out.get(n - 1) + 1) {
                out.set(n - 1, Math.max(out.get(n - 1), r[1]));
            } else {
                out.add(r[0]);
                out.add(r[1]);
            }
        }
        return out.toArray();
    }

    static int[] complement(int[] ranges) {
        IntBuffer out = new IntBuffer();
        int next = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > next) {
                out.add(next);
                out.add(ranges[i] - 1);
            }
            next = ranges[i + 1] + 1;
        }
        if (next <= MAX_CODE_POINT) {
            out.add(next);
            out.add(MAX_CODE_POINT);
        }
        return out.toArray();
    }

    private int charSet(int[] ranges) {
        String key = Arrays.toString(ranges);
        Integer id = charSetIds.get(key);
        if (id == null) {
            id = charSets.size();
            charSets.add(ranges);
            charSetIds.put(key, id);
        }
        return -2 - id;
    }

    // ------------------------------------------------------------------ names, spaces, errors

    private String parseName() {
        int start = pos;
        while (pos < src.length() && isWordChar(src.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw error("expected a rule name (letters, digits, '-' or '_')", pos);
        }
        return src.substring(start, pos);
    }

    private int parseCount() {
        int start = pos;
        while (pos < src.length() && isDigit(src.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw error("expected a number in the repetition", pos);
        }
        if (pos - start > 6) {
            throw error("repetition count " + src.substring(start, pos) + " is too large (at most 999999)", start);
        }
        return Integer.parseInt(src.substring(start, pos));
    }

    /** Skips blanks and comments, and line breaks too when {@code newlines} (inside groups, between rules). */
    private void skipSpace(boolean newlines) {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || ((c == '\n' || c == '\r') && newlines)) {
                pos++;
            } else if (c == '#') {
                while (pos < src.length() && src.charAt(pos) != '\n' && src.charAt(pos) != '\r') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private int ruleId(String name, int usedAt) {
        Integer id = ruleIds.get(name);
        if (id == null) {
            id = names.size();
            ruleIds.put(name, id);
            names.add(name);
            rules.add(null);
        }
        if (usedAt >= 0) {
            firstUse.putIfAbsent(id, usedAt);
        }
        return id;
    }

    private int newRule(String base) {
        int id = names.size();
        names.add(base + "." + (++generated));
        rules.add(List.of());
        return id;
    }

    private GrammarException error(String message, int offset) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new GrammarException(message, line, offset - lineStart + 1, PARAM);
    }

    private static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '-' || c == '_';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    // ------------------------------------------------------------------ compile

    private Grammar compile(int root) {
        IntBuffer elements = new IntBuffer();
        int[][] alternatives = new int[rules.size()][];
        for (int r = 0; r < rules.size(); r++) {
            List<IntBuffer> alts = rules.get(r);
            alternatives[r] = new int[alts.size()];
            for (int a = 0; a < alts.size(); a++) {
                alternatives[r][a] = elements.size();
                IntBuffer seq = alts.get(a);
                for (int i = 0; i < seq.size(); i++) {
                    elements.add(seq.get(i));
                }
                elements.add(Grammar.END);
            }
        }
        return new Grammar(elements.toArray(), alternatives, charSets.toArray(new int[0][]),
                names.toArray(new String[0]), root);
    }
}
