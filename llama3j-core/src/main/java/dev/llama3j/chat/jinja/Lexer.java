package dev.llama3j.chat.jinja;

import dev.llama3j.chat.jinja.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into text and tag tokens the way Jinja2's lexer does in the environment Hugging
 * Face renders chat templates with: {@code trim_blocks} (the first newline after a block or comment
 * tag is dropped), {@code lstrip_blocks} (spaces and tabs from the start of a line up to a block or
 * comment tag are dropped), {@code -} and {@code +} whitespace control on either side of a tag, and
 * one trailing newline of the template removed. Getting these rules exactly right is what makes the
 * rendered prompt byte-identical to the reference.
 */
final class Lexer {
    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "=", "<", ">", ";"
    };
    private static final Pattern RAW_BEGIN = Pattern.compile("\\s*raw\\s*(?:-%}\\s*|%})");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(?:\\+%}|-%}\\s*|%}\\n?)");

    private final String src;
    private final String templateName;
    private final List<Token> tokens = new ArrayList<>();
    private final int[] newlines;
    private int pos;
    /** Whether the last consumed text ended a line: lstrip_blocks then applies to text at the start. */
    private boolean lineStarting = true;

    private Lexer(String source, String templateName) {
        this.src = source;
        this.templateName = templateName;
        this.newlines = newlinePositions(src);
    }

    static List<Token> tokenize(String source, String templateName) {
        Lexer lexer = new Lexer(normalizeNewlines(source), templateName);
        lexer.run();
        return lexer.tokens;
    }

    /** {@code \r\n} and {@code \r} become {@code \n}; one trailing newline goes (keep_trailing_newline=False). */
    static String normalizeNewlines(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private static int[] newlinePositions(String s) {
        List<Integer> list = new ArrayList<>();
        for (int i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) {
            list.add(i);
        }
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    private int lineAt(int position) {
        int lo = 0;
        int hi = newlines.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (newlines[mid] < position) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo + 1;
    }

    private TemplateException error(int position, String message) {
        return new TemplateException(templateName, lineAt(position), message);
    }

    private void run() {
        int len = src.length();
        while (pos < len) {
            int tag = findTagStart(pos);
            if (tag < 0) {
                emitText(src.substring(pos), pos);
                pos = len;
                break;
            }
            char kind = src.charAt(tag + 1);
            int inner = tag + 2;
            char sign = inner < len && (src.charAt(inner) == '-' || src.charAt(inner) == '+') ? src.charAt(inner) : 0;
            if (sign != 0) {
                inner++;
            }
            String text = stripBeforeTag(src.substring(pos, tag), sign, kind != '{');
            emitText(text, pos);
            switch (kind) {
                case '#' -> lexComment(tag, inner);
                case '%' -> {
                    if (!lexRaw(inner)) {
                        lexTag(tag, inner, true);
                    }
                }
                default -> lexTag(tag, inner, false);
            }
        }
        tokens.add(new Token(Kind.EOF, "", lineAt(len)));
    }

    private int findTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** Whitespace control on the left of a tag: {@code -} strips all, lstrip_blocks strips an indent. */
    private String stripBeforeTag(String text, char sign, boolean lstripApplies) {
        if (sign == '-') {
            return PyOps.rstrip(text);
        }
        if (sign != '+' && lstripApplies) {
            int lineStart = text.lastIndexOf('\n') + 1;
            if ((lineStart > 0 || lineStarting) && lineStart < text.length() && PyOps.isAllSpace(text, lineStart)) {
                return text.substring(0, lineStart);
            }
        }
        return text;
    }

    private void emitText(String text, int at) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Kind.TEXT, text, lineAt(at)));
        }
    }

    private void lexComment(int tag, int inner) {
        int end = src.indexOf("#}", inner);
        if (end < 0) {
            throw error(tag, "missing end of comment tag '#}'");
        }
        char sign = end > inner && (src.charAt(end - 1) == '-' || src.charAt(end - 1) == '+') ? src.charAt(end - 1) : 0;
        pos = afterTagEnd(end + 2, sign);
    }

    /** {@code {% raw %}...{% endraw %}}: the body is text, tags in it are not interpreted. */
    private boolean lexRaw(int inner) {
        Matcher begin = RAW_BEGIN.matcher(src).region(inner, src.length());
        if (!begin.lookingAt()) {
            return false;
        }
        int bodyStart = begin.end();
        lineStarting = src.charAt(bodyStart - 1) == '\n';
        Matcher end = RAW_END.matcher(src);
        if (!end.find(bodyStart)) {
            throw error(inner, "missing {% endraw %} for {% raw %}");
        }
        String sign = end.group(1);
        String body = stripBeforeTag(src.substring(bodyStart, end.start()), sign.isEmpty() ? 0 : sign.charAt(0), true);
        emitText(body, bodyStart);
        pos = end.end();
        lineStarting = src.charAt(pos - 1) == '\n';
        return true;
    }

    /** Position after a tag's closing delimiter at {@code afterDelimiter}, applying right-side whitespace control. */
    private int afterTagEnd(int afterDelimiter, char sign) {
        int p = afterDelimiter;
        if (sign == '-') {
            while (p < src.length() && PyOps.isSpace(src.charAt(p))) {
                p++;
            }
        } else if (sign != '+' && p < src.length() && src.charAt(p) == '\n') {
            p++; // trim_blocks
        }
        lineStarting = src.charAt(p - 1) == '\n';
        return p;
    }

    private void lexTag(int tag, int inner, boolean block) {
        tokens.add(new Token(block ? Kind.BLOCK_BEGIN : Kind.VAR_BEGIN, block ? "{%" : "{{", lineAt(tag)));
        String close = block ? "%}" : "}}";
        int p = inner;
        int depth = 0;
        int len = src.length();
        while (true) {
            // The closing delimiter counts only outside brackets, as in Jinja ({{ {'a': {'b': 1}} }}).
            if (depth == 0) {
                if (src.startsWith("-" + close, p)) {
                    tokens.add(new Token(block ? Kind.BLOCK_END : Kind.VAR_END, close, lineAt(p)));
                    pos = afterTagEnd(p + 3, '-');
                    return;
                }
                if (block && src.startsWith("+" + close, p)) {
                    tokens.add(new Token(Kind.BLOCK_END, close, lineAt(p)));
                    pos = afterTagEnd(p + 3, '+');
                    return;
                }
                if (src.startsWith(close, p)) {
                    tokens.add(new Token(block ? Kind.BLOCK_END : Kind.VAR_END, close, lineAt(p)));
                    // trim_blocks drops the newline after a block tag, never after {{ }}.
                    pos = block ? afterTagEnd(p + 2, (char) 0) : afterTagEnd(p + 2, '+');
                    return;
                }
            }
            if (p >= len) {
                throw error(tag, "unexpected end of template: the tag opened here has no closing '" + close + "'");
            }
            char c = src.charAt(p);
            if (PyOps.isSpace(c)) {
                p++;
            } else if (c >= '0' && c <= '9') {
                p = lexNumber(p);
            } else if (Character.isLetter(c) || c == '_') {
                int start = p;
                while (p < len && (Character.isLetterOrDigit(src.charAt(p)) || src.charAt(p) == '_')) {
                    p++;
                }
                tokens.add(new Token(Kind.NAME, src.substring(start, p), lineAt(start)));
            } else if (c == '\'' || c == '"') {
                p = lexString(p);
            } else {
                String op = operatorAt(p);
                if (op == null) {
                    throw error(p, "unexpected character '" + c + "'");
                }
                switch (op) {
                    case "(", "[", "{" -> depth++;
                    case ")", "]", "}" -> {
                        if (depth == 0) {
                            throw error(p, "unexpected '" + op + "'");
                        }
                        depth--;
                    }
                    default -> { }
                }
                tokens.add(new Token(Kind.OPERATOR, op, lineAt(p)));
                p += op.length();
            }
        }
    }

    private String operatorAt(int p) {
        for (String op : OPERATORS) {
            if (src.startsWith(op, p)) {
                return op;
            }
        }
        return null;
    }

    private int lexNumber(int start) {
        int p = digits(start);
        boolean isFloat = false;
        boolean afterDot = start > 0 && src.charAt(start - 1) == '.'; // x.0.1 is two subscripts, not a float
        if (!afterDot && p + 1 < src.length() && src.charAt(p) == '.' && Character.isDigit(src.charAt(p + 1))) {
            p = digits(p + 1);
            isFloat = true;
        }
        if (!afterDot && p < src.length() && (src.charAt(p) == 'e' || src.charAt(p) == 'E')) {
            int q = p + 1;
            if (q < src.length() && (src.charAt(q) == '+' || src.charAt(q) == '-')) {
                q++;
            }
            if (q < src.length() && Character.isDigit(src.charAt(q))) {
                p = digits(q);
                isFloat = true;
            }
        }
        String text = src.substring(start, p).replace("_", "");
        tokens.add(new Token(isFloat ? Kind.FLOAT : Kind.INTEGER, text, lineAt(start)));
        return p;
    }

    private int digits(int p) {
        while (p < src.length() && (Character.isDigit(src.charAt(p)) || src.charAt(p) == '_')) {
            p++;
        }
        return p;
    }

    private int lexString(int start) {
        char quote = src.charAt(start);
        int p = start + 1;
        while (p < src.length() && src.charAt(p) != quote) {
            p += src.charAt(p) == '\\' ? 2 : 1;
        }
        if (p >= src.length()) {
            throw error(start, "unterminated string literal");
        }
        String value = unescape(src.substring(start + 1, p), start);
        tokens.add(new Token(Kind.STRING, value, lineAt(start)));
        return p + 1;
    }

    /** Python's {@code unicode-escape} decoding, which Jinja applies to string literals. */
    private String unescape(String raw, int at) {
        if (raw.indexOf('\\') < 0) {
            return raw;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\' || i + 1 >= raw.length()) {
                sb.append(c);
                continue;
            }
            char e = raw.charAt(++i);
            switch (e) {
                case '\n' -> { } // line continuation
                case '\\', '\'', '"' -> sb.append(e);
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    String hex = raw.substring(i + 1, Math.min(raw.length(), i + 1 + n));
                    if (hex.length() != n || !hex.chars().allMatch(h -> Character.digit(h, 16) >= 0)) {
                        throw error(at, "truncated \\" + e + " escape in string literal");
                    }
                    sb.appendCodePoint(Integer.parseInt(hex, 16));
                    i += n;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int j = i;
                        while (j < raw.length() && j < i + 3 && raw.charAt(j) >= '0' && raw.charAt(j) <= '7') {
                            j++;
                        }
                        sb.append((char) Integer.parseInt(raw.substring(i, j), 8));
                        i = j - 1;
                    } else {
                        sb.append('\\').append(e); // unknown escapes stay as written
                    }
                }
            }
        }
        return sb.toString();
    }
}
