package dev.llama3j.chat.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Python methods that templates call on values: {@code s.strip()}, {@code s.split(',')},
 * {@code d.items()}, {@code d.get('k', x)} and friends. Methods that would modify a value
 * ({@code list.append}, {@code dict.update}) are refused as in Hugging Face's immutable sandbox.
 * String results keep the trust marks of the characters they came from.
 */
final class Methods {
    private static final Set<String> UNSAFE_DICT = Set.of("clear", "pop", "popitem", "setdefault", "update");
    private static final Set<String> UNSAFE_LIST = Set.of("append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort");

    private Methods() {}

    /** The bound method {@code self.name}, or null when the value has no such method. */
    static JinjaFunction bind(Object self, String name) {
        if (PyOps.isString(self)) {
            return stringMethod(PyOps.marked(self), name);
        }
        if (self instanceof Map<?, ?> m) {
            return dictMethod(m, name);
        }
        if (self instanceof List<?> l) {
            return listMethod(l, name);
        }
        return null;
    }

    private static JinjaFunction unsafe(String type, String name) {
        return (args, kwargs) -> {
            throw new TemplateException("access to attribute '" + name + "' of '" + type + "' object is unsafe");
        };
    }

    // ---- dict ----

    private static JinjaFunction dictMethod(Map<?, ?> m, String name) {
        if (UNSAFE_DICT.contains(name)) {
            return unsafe("dict", name);
        }
        return switch (name) {
            case "items" -> (args, kwargs) -> {
                List<Object> out = new ArrayList<>();
                m.forEach((k, v) -> out.add(Tuple.of(k, v)));
                return out;
            };
            case "keys" -> (args, kwargs) -> new ArrayList<Object>(m.keySet());
            case "values" -> (args, kwargs) -> new ArrayList<Object>(m.values());
            case "get" -> (args, kwargs) -> {
                Args a = new Args("get", args, kwargs);
                Object key = PyOps.mapKey(a.required(0, "key"));
                return m.containsKey(key) ? m.get(key) : a.get(1, "default", null);
            };
            case "copy" -> (args, kwargs) -> new LinkedHashMap<>(m);
            default -> null;
        };
    }

    // ---- list ----

    private static JinjaFunction listMethod(List<?> l, String name) {
        if (UNSAFE_LIST.contains(name)) {
            return unsafe(l instanceof Tuple ? "tuple" : "list", name);
        }
        return switch (name) {
            case "index" -> (args, kwargs) -> {
                Object x = new Args("index", args, kwargs).required(0, "value");
                for (int i = 0; i < l.size(); i++) {
                    if (PyOps.eq(l.get(i), x)) {
                        return (long) i;
                    }
                }
                throw new TemplateException(PyOps.repr(x) + " is not in list");
            };
            case "count" -> (args, kwargs) -> {
                Object x = new Args("count", args, kwargs).required(0, "value");
                return l.stream().filter(o -> PyOps.eq(o, x)).count();
            };
            case "copy" -> (args, kwargs) -> new ArrayList<Object>(l);
            default -> null;
        };
    }

    // ---- str ----

    private static JinjaFunction stringMethod(MarkedString s, String name) {
        String t = s.text();
        return switch (name) {
            case "strip", "lstrip", "rstrip" -> (args, kwargs) -> {
                String chars = new Args(name, args, kwargs).string(0, "chars", null);
                return strip(s, chars, !name.equals("rstrip"), !name.equals("lstrip"));
            };
            case "startswith", "endswith" -> (args, kwargs) -> {
                Object prefix = new Args(name, args, kwargs).required(0, "prefix");
                List<Object> options = prefix instanceof Tuple tuple ? tuple : List.of(prefix);
                for (Object o : options) {
                    if (!PyOps.isString(o)) {
                        throw new TemplateException(name + " first arg must be str or a tuple of str, not " + PyOps.typeName(o));
                    }
                    String p = PyOps.text(o);
                    if (name.equals("startswith") ? t.startsWith(p) : t.endsWith(p)) {
                        return true;
                    }
                }
                return false;
            };
            case "split", "rsplit" -> (args, kwargs) -> {
                Args a = new Args(name, args, kwargs);
                return split(s, a.string(0, "sep", null), a.integer(1, "maxsplit", -1), name.equals("rsplit"));
            };
            case "splitlines" -> (args, kwargs) -> splitLines(s, new Args(name, args, kwargs).bool(0, "keepends", false));
            case "upper" -> (args, kwargs) -> s.mapText(t.toUpperCase(Locale.ROOT));
            case "lower" -> (args, kwargs) -> s.mapText(t.toLowerCase(Locale.ROOT));
            case "title" -> (args, kwargs) -> s.mapText(title(t));
            case "capitalize" -> (args, kwargs) -> s.mapText(capitalize(t));
            case "swapcase" -> (args, kwargs) -> s.mapText(swapCase(t));
            case "replace" -> (args, kwargs) -> {
                Args a = new Args(name, args, kwargs);
                Object old = a.required(0, "old");
                Object replacement = a.required(1, "new");
                if (!PyOps.isString(old) || !PyOps.isString(replacement)) {
                    throw new TemplateException("replace() arguments must be str");
                }
                return replace(s, PyOps.text(old), PyOps.marked(replacement), a.integer(2, "count", -1));
            };
            case "find", "rfind", "index", "rindex" -> (args, kwargs) -> {
                String sub = new Args(name, args, kwargs).string(0, "sub", null);
                if (sub == null) {
                    throw new TemplateException(name + "() needs a string argument");
                }
                int at = name.startsWith("r") ? t.lastIndexOf(sub) : t.indexOf(sub);
                if (at < 0 && name.contains("index")) {
                    throw new TemplateException("substring not found");
                }
                return at < 0 ? -1L : (long) t.codePointCount(0, at);
            };
            case "count" -> (args, kwargs) -> {
                String sub = new Args(name, args, kwargs).string(0, "sub", "");
                if (sub.isEmpty()) {
                    return (long) t.codePointCount(0, t.length()) + 1;
                }
                long n = 0;
                for (int at = t.indexOf(sub); at >= 0; at = t.indexOf(sub, at + sub.length())) {
                    n++;
                }
                return n;
            };
            case "join" -> (args, kwargs) -> join(s, PyOps.iterate(new Args(name, args, kwargs).required(0, "iterable")));
            case "isdigit", "isnumeric", "isdecimal" -> (args, kwargs) -> !t.isEmpty() && t.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> (args, kwargs) -> !t.isEmpty() && t.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> (args, kwargs) -> !t.isEmpty() && t.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> (args, kwargs) -> !t.isEmpty() && t.codePoints().allMatch(PyOps::isSpace);
            case "isupper" -> (args, kwargs) -> t.codePoints().anyMatch(Character::isUpperCase)
                    && t.codePoints().noneMatch(Character::isLowerCase);
            case "islower" -> (args, kwargs) -> t.codePoints().anyMatch(Character::isLowerCase)
                    && t.codePoints().noneMatch(Character::isUpperCase);
            case "format" -> (args, kwargs) -> format(t, args, kwargs);
            default -> null;
        };
    }

    static MarkedString strip(MarkedString s, String chars, boolean left, boolean right) {
        String t = s.text();
        int start = 0;
        int end = t.length();
        if (left) {
            while (start < end && stripped(t.codePointAt(start), chars)) {
                start += Character.charCount(t.codePointAt(start));
            }
        }
        if (right) {
            while (end > start && stripped(t.codePointBefore(end), chars)) {
                end -= Character.charCount(t.codePointBefore(end));
            }
        }
        return s.substring(start, end);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? PyOps.isSpace(cp) : chars.indexOf(cp) >= 0;
    }

    static List<Object> split(MarkedString s, String sep, long maxSplit, boolean fromRight) {
        String t = s.text();
        List<Object> out = new ArrayList<>();
        if (sep != null && sep.isEmpty()) {
            throw new TemplateException("empty separator");
        }
        if (sep == null) {
            // Runs of whitespace separate; leading and trailing whitespace yields no empty items.
            List<int[]> words = new ArrayList<>();
            int i = 0;
            while (i < t.length()) {
                while (i < t.length() && PyOps.isSpace(t.charAt(i))) {
                    i++;
                }
                if (i >= t.length()) {
                    break;
                }
                int start = i;
                while (i < t.length() && !PyOps.isSpace(t.charAt(i))) {
                    i++;
                }
                words.add(new int[] {start, i});
            }
            if (maxSplit < 0 || words.size() <= maxSplit + 1) {
                words.forEach(w -> out.add(s.substring(w[0], w[1])));
                return out;
            }
            int keep = (int) maxSplit;
            if (!fromRight) {
                for (int k = 0; k < keep; k++) {
                    out.add(s.substring(words.get(k)[0], words.get(k)[1]));
                }
                out.add(strip(s.substring(words.get(keep)[0], t.length()), null, false, true));
            } else {
                int first = words.size() - keep;
                out.add(strip(s.substring(0, words.get(first - 1)[1]), null, true, false));
                for (int k = first; k < words.size(); k++) {
                    out.add(s.substring(words.get(k)[0], words.get(k)[1]));
                }
            }
            return out;
        }
        List<Integer> cuts = new ArrayList<>();
        for (int at = t.indexOf(sep); at >= 0; at = t.indexOf(sep, at + sep.length())) {
            cuts.add(at);
        }
        if (maxSplit >= 0 && cuts.size() > maxSplit) {
            cuts = fromRight ? cuts.subList(cuts.size() - (int) maxSplit, cuts.size()) : cuts.subList(0, (int) maxSplit);
        }
        int start = 0;
        for (int at : cuts) {
            out.add(s.substring(start, at));
            start = at + sep.length();
        }
        out.add(s.substring(start, t.length()));
        return out;
    }

    private static List<Object> splitLines(MarkedString s, boolean keepEnds) {
        String t = s.text();
        List<Object> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < t.length()) {
            char c = t.charAt(i);
            boolean isBreak = c == '\n' || c == '\r' || c == '\u000b' || c == '\f' || (c >= 0x1c && c <= 0x1e)
                    || c == 0x85 || c == 0x2028 || c == 0x2029;
            if (!isBreak) {
                i++;
                continue;
            }
            int end = i;
            i += c == '\r' && i + 1 < t.length() && t.charAt(i + 1) == '\n' ? 2 : 1;
            out.add(s.substring(start, keepEnds ? i : end));
            start = i;
        }
        if (start < t.length()) {
            out.add(s.substring(start, t.length()));
        }
        return out;
    }

    static MarkedString replace(MarkedString s, String old, MarkedString replacement, long count) {
        String t = s.text();
        MarkedString.Builder b = new MarkedString.Builder();
        int start = 0;
        long done = 0;
        if (old.isEmpty()) {
            // Python inserts the replacement between every character and at both ends.
            int[] starts = PyOps.codePointStarts(t);
            for (int k = 0; k < starts.length; k++) {
                if (count < 0 || done < count) {
                    b.append(replacement);
                    done++;
                }
                if (k + 1 < starts.length) {
                    b.append(s.substring(starts[k], starts[k + 1]));
                }
            }
            return b.build();
        }
        for (int at = t.indexOf(old); at >= 0 && (count < 0 || done < count); at = t.indexOf(old, start)) {
            b.append(s.substring(start, at));
            b.append(replacement);
            start = at + old.length();
            done++;
        }
        b.append(s.substring(start, t.length()));
        return b.build();
    }

    static MarkedString join(MarkedString separator, List<Object> items) {
        MarkedString.Builder b = new MarkedString.Builder();
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (!PyOps.isString(item)) {
                throw new TemplateException("sequence item " + i + ": expected str instance, " + PyOps.typeName(item) + " found");
            }
            if (i > 0) {
                b.append(separator);
            }
            b.append(PyOps.marked(item));
        }
        return b.build();
    }

    /** Python's str.title(): a cased letter after an uncased character starts a word. */
    static String title(String t) {
        StringBuilder sb = new StringBuilder(t.length());
        boolean previousCased = false;
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            i += Character.charCount(cp);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            if (cased) {
                sb.append(previousCased ? new String(Character.toChars(cp)).toLowerCase(Locale.ROOT) : titleCase(cp));
            } else {
                sb.appendCodePoint(cp);
            }
            previousCased = cased;
        }
        return sb.toString();
    }

    static String capitalize(String t) {
        if (t.isEmpty()) {
            return t;
        }
        int first = t.codePointAt(0);
        int n = Character.charCount(first);
        return titleCase(first) + t.substring(n).toLowerCase(Locale.ROOT);
    }

    /**
     * Python's full title-case mapping of one character. Java only has the one-character mapping,
     * which leaves ß as ß; where upper-casing gives several letters (ß to SS, ﬁ to FI) Python's title
     * case is the first of them followed by the rest in lower case (Ss, Fi).
     */
    private static String titleCase(int cp) {
        String one = new String(Character.toChars(cp));
        int title = Character.toTitleCase(cp);
        String upper = one.toUpperCase(Locale.ROOT);
        if (title == cp && upper.codePointCount(0, upper.length()) > 1) {
            int n = Character.charCount(upper.codePointAt(0));
            return upper.substring(0, n) + upper.substring(n).toLowerCase(Locale.ROOT);
        }
        return new String(Character.toChars(title));
    }

    private static String swapCase(String t) {
        StringBuilder sb = new StringBuilder(t.length());
        t.codePoints().forEach(cp -> sb.appendCodePoint(
                Character.isUpperCase(cp) ? Character.toLowerCase(cp) : Character.isLowerCase(cp) ? Character.toUpperCase(cp) : cp));
        return sb.toString();
    }

    /** Python's str.format for plain fields: {}, {0}, {name}, {{ and }}; format specs are not supported. */
    private static MarkedString format(String t, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < t.length() && t.charAt(i + 1) == c) {
                sb.append(c);
                i++;
            } else if (c == '{') {
                int close = t.indexOf('}', i);
                if (close < 0) {
                    throw new TemplateException("Single '{' encountered in format string");
                }
                String field = t.substring(i + 1, close);
                if (field.contains(":") || field.contains("!")) {
                    throw new TemplateException("format specs in str.format are not supported: {" + field + "}");
                }
                Object value;
                if (field.isEmpty()) {
                    value = auto < args.size() ? args.get(auto++) : null;
                    if (auto > args.size()) {
                        throw new TemplateException("Replacement index " + (auto - 1) + " out of range");
                    }
                } else if (field.chars().allMatch(Character::isDigit)) {
                    int k = Integer.parseInt(field);
                    if (k >= args.size()) {
                        throw new TemplateException("Replacement index " + k + " out of range");
                    }
                    value = args.get(k);
                } else {
                    if (!kwargs.containsKey(field)) {
                        throw new TemplateException("KeyError: '" + field + "'");
                    }
                    value = kwargs.get(field);
                }
                sb.append(PyOps.strText(value));
                i = close;
            } else if (c == '}') {
                throw new TemplateException("Single '}' encountered in format string");
            } else {
                sb.append(c);
            }
        }
        return MarkedString.untrusted(sb.toString());
    }
}
