package dev.llama3j.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Llama 3.1's built-in tool call syntax, {@code brave_search.call(query="weather", top_k=3)},
 * possibly several separated by {@code ;}. Arguments are keyword arguments with Python literal
 * values: strings in single, double or triple quotes with escapes (and an {@code r} prefix), ints,
 * floats, True/False/None, lists, tuples and dicts. Anything else makes the whole text not a call.
 */
final class PythonCallReader {
    /** One call: its name, its arguments and the exact text it was read from. */
    record Call(String name, Map<String, Object> arguments, String text) { }

    /** Thrown internally when the text is not a call; never escapes this class. */
    private static final class NotACall extends RuntimeException {
        NotACall() {
            super(null, null, false, false);
        }
    }

    private static final NotACall NOT_A_CALL = new NotACall();

    private final String s;
    private int pos;

    private PythonCallReader(String s) {
        this.s = s;
    }

    /** The calls in {@code text}, or null when it is not exactly a sequence of calls. */
    static List<Call> read(String text) {
        PythonCallReader r = new PythonCallReader(text);
        try {
            return r.calls();
        } catch (NotACall | IllegalArgumentException e) {
            return null;
        }
    }

    private List<Call> calls() {
        List<Call> calls = new ArrayList<>();
        skipSpace();
        while (pos < s.length()) {
            int start = pos;
            String name = identifier();
            skipSpace();
            expect(".");
            skipSpace();
            if (!identifier().equals("call")) {
                throw NOT_A_CALL;
            }
            skipSpace();
            expect("(");
            Map<String, Object> args = new LinkedHashMap<>();
            skipSpace();
            while (!peek(")")) {
                String key = identifier();
                skipSpace();
                expect("=");
                skipSpace();
                if (args.put(key, value()) != null) {
                    throw NOT_A_CALL; // a repeated keyword is a SyntaxError in Python
                }
                skipSpace();
                if (!peek(")")) {
                    expect(",");
                    skipSpace();
                }
            }
            expect(")");
            calls.add(new Call(name, args, s.substring(start, pos)));
            skipSpace();
            if (peek(";")) {
                pos++;
                skipSpace();
            } else if (pos < s.length()) {
                throw NOT_A_CALL;
            }
        }
        if (calls.isEmpty()) {
            throw NOT_A_CALL;
        }
        return calls;
    }

    private boolean peek(String t) {
        return s.startsWith(t, pos);
    }

    private void expect(String t) {
        if (!peek(t)) {
            throw NOT_A_CALL;
        }
        pos += t.length();
    }

    private void skipSpace() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private String identifier() {
        int start = pos;
        if (pos < s.length() && (Character.isLetter(s.charAt(pos)) || s.charAt(pos) == '_')) {
            pos++;
            while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                pos++;
            }
        }
        if (pos == start) {
            throw NOT_A_CALL;
        }
        return s.substring(start, pos);
    }

    private Object value() {
        if (pos >= s.length()) {
            throw NOT_A_CALL;
        }
        char c = s.charAt(pos);
        if (c == '"' || c == '\'') {
            return string(false);
        }
        if ((c == 'r' || c == 'R') && pos + 1 < s.length() && (s.charAt(pos + 1) == '"' || s.charAt(pos + 1) == '\'')) {
            pos++;
            return string(true);
        }
        if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) {
            return number();
        }
        if (c == '[' || c == '(') {
            char close = c == '[' ? ']' : ')';
            pos++;
            List<Object> items = new ArrayList<>();
            skipSpace();
            while (!peek(String.valueOf(close))) {
                items.add(value());
                skipSpace();
                if (!peek(String.valueOf(close))) {
                    expect(",");
                    skipSpace();
                }
            }
            pos++;
            return items;
        }
        if (c == '{') {
            pos++;
            Map<String, Object> map = new LinkedHashMap<>();
            skipSpace();
            while (!peek("}")) {
                if (!(value() instanceof String key)) {
                    throw NOT_A_CALL; // JSON-able arguments only: string keys
                }
                skipSpace();
                expect(":");
                skipSpace();
                map.put(key, value());
                skipSpace();
                if (!peek("}")) {
                    expect(",");
                    skipSpace();
                }
            }
            pos++;
            return map;
        }
        String word = identifier();
        return switch (word) {
            case "True", "true" -> Boolean.TRUE;
            case "False", "false" -> Boolean.FALSE;
            case "None", "null" -> null;
            default -> throw NOT_A_CALL;
        };
    }

    private Object number() {
        int start = pos;
        if (peek("-") || peek("+")) {
            pos++;
        }
        boolean isFloat = false;
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (Character.isDigit(c) || c == '_') {
                pos++;
            } else if (c == '.' || c == 'e' || c == 'E') {
                isFloat = true;
                pos++;
                if ((c == 'e' || c == 'E') && (peek("-") || peek("+"))) {
                    pos++;
                }
            } else {
                break;
            }
        }
        String text = s.substring(start, pos).replace("_", "");
        if (isFloat) {
            return Double.parseDouble(text);
        }
        return Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
    }

    private String string(boolean raw) {
        char quote = s.charAt(pos);
        boolean triple = s.startsWith(String.valueOf(quote).repeat(3), pos);
        String close = triple ? String.valueOf(quote).repeat(3) : String.valueOf(quote);
        pos += close.length();
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw NOT_A_CALL;
            }
            if (peek(close)) {
                pos += close.length();
                return sb.toString();
            }
            char c = s.charAt(pos++);
            if (c == '\n' && !triple) {
                throw NOT_A_CALL;
            }
            if (c != '\\' || pos >= s.length()) {
                sb.append(c);
                continue;
            }
            char e = s.charAt(pos++);
            if (raw) {
                sb.append('\\').append(e);
                continue;
            }
            switch (e) {
                case '\n' -> { }
                case '\\', '\'', '"' -> sb.append(e);
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (pos + n > s.length()) {
                        throw NOT_A_CALL;
                    }
                    sb.appendCodePoint(Integer.parseInt(s.substring(pos, pos + n), 16));
                    pos += n;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int start = pos - 1;
                        while (pos < s.length() && pos < start + 3 && s.charAt(pos) >= '0' && s.charAt(pos) <= '7') {
                            pos++;
                        }
                        sb.append((char) Integer.parseInt(s.substring(start, pos), 8));
                    } else {
                        sb.append('\\').append(e); // Python keeps unknown escapes
                    }
                }
            }
        }
    }
}
