package dev.llama3j.chat.jinja;

import dev.llama3j.json.Json;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja's filters ({@code value | name(args)}) that chat templates use, with Jinja2's semantics, and
 * {@code tojson} as Hugging Face overrides it: {@code json.dumps} with non-ASCII kept and no HTML
 * escaping, accepting {@code indent}, {@code ensure_ascii}, {@code separators}, {@code sort_keys}.
 */
final class Filters {
    @FunctionalInterface
    interface Filter {
        Object apply(Object value, Args args);
    }

    private static final Map<String, Filter> FILTERS = new HashMap<>();
    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)");
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    static {
        FILTERS.put("tojson", Filters::tojson);
        FILTERS.put("trim", (v, a) -> Methods.strip(PyOps.str(v), a.string(0, "chars", null), true, true));
        Filter length = (v, a) -> (long) PyOps.length(v);
        FILTERS.put("length", length);
        FILTERS.put("count", length);
        FILTERS.put("join", Filters::join);
        Filter dflt = (v, a) -> v instanceof Undefined || (a.bool(1, "boolean", false) && !PyOps.truthy(v))
                ? a.get(0, "default_value", MarkedString.empty()) : v;
        FILTERS.put("default", dflt);
        FILTERS.put("d", dflt);
        FILTERS.put("first", (v, a) -> {
            List<Object> items = PyOps.iterate(v);
            return items.isEmpty() ? Undefined.because("No first item, sequence was empty.") : items.getFirst();
        });
        FILTERS.put("last", (v, a) -> {
            List<Object> items = PyOps.iterate(v);
            return items.isEmpty() ? Undefined.because("No last item, sequence was empty.") : items.getLast();
        });
        FILTERS.put("upper", (v, a) -> PyOps.str(v).mapText(PyOps.strText(v).toUpperCase(Locale.ROOT)));
        FILTERS.put("lower", (v, a) -> PyOps.str(v).mapText(PyOps.strText(v).toLowerCase(Locale.ROOT)));
        FILTERS.put("capitalize", (v, a) -> PyOps.str(v).mapText(Methods.capitalize(PyOps.strText(v))));
        FILTERS.put("title", (v, a) -> PyOps.str(v).mapText(title(PyOps.strText(v))));
        FILTERS.put("string", (v, a) -> PyOps.str(v));
        FILTERS.put("safe", (v, a) -> v);
        Filter escape = (v, a) -> MarkedString.untrusted(PyOps.strText(v).replace("&", "&amp;").replace("<", "&lt;")
                .replace(">", "&gt;").replace("\"", "&#34;").replace("'", "&#39;"));
        FILTERS.put("escape", escape);
        FILTERS.put("e", escape);
        FILTERS.put("int", Filters::toInt);
        FILTERS.put("float", Filters::toFloat);
        FILTERS.put("list", (v, a) -> new ArrayList<>(PyOps.iterate(v)));
        FILTERS.put("items", (v, a) -> {
            if (v instanceof Undefined) {
                return List.of();
            }
            if (!(v instanceof Map<?, ?> m)) {
                throw new TemplateException("Can only get item pairs from a mapping.");
            }
            List<Object> out = new ArrayList<>();
            m.forEach((k, val) -> out.add(Tuple.of(k, val)));
            return out;
        });
        FILTERS.put("select", (v, a) -> selectOrReject(v, a, true, false));
        FILTERS.put("reject", (v, a) -> selectOrReject(v, a, false, false));
        FILTERS.put("selectattr", (v, a) -> selectOrReject(v, a, true, true));
        FILTERS.put("rejectattr", (v, a) -> selectOrReject(v, a, false, true));
        FILTERS.put("map", Filters::map);
        FILTERS.put("unique", Filters::unique);
        FILTERS.put("sort", Filters::sort);
        FILTERS.put("dictsort", Filters::dictsort);
        FILTERS.put("reverse", (v, a) -> {
            if (PyOps.isString(v)) {
                return PyOps.slice(v, null, null, -1L);
            }
            List<Object> items = new ArrayList<>(PyOps.iterate(v));
            Collections.reverse(items);
            return items;
        });
        FILTERS.put("replace", (v, a) -> {
            Object old = a.required(0, "old");
            Object replacement = a.required(1, "new");
            return Methods.replace(PyOps.str(v), PyOps.strText(old), PyOps.str(replacement), a.integer(2, "count", -1));
        });
        FILTERS.put("abs", (v, a) -> {
            if (!PyOps.isNumeric(v)) {
                throw new TemplateException("bad operand type for abs(): '" + PyOps.typeName(v) + "'");
            }
            return PyOps.isFloat(v) ? (Object) Math.abs(PyOps.toDouble(v)) : Math.abs(PyOps.toLong(v));
        });
        FILTERS.put("round", Filters::round);
        FILTERS.put("sum", (v, a) -> {
            String attribute = a.string(0, "attribute", null);
            Object total = a.get(1, "start", 0L);
            for (Object item : PyOps.iterate(v)) {
                total = PyOps.binary("+", total, attribute == null ? item : attribute(item, attribute, null));
            }
            return total;
        });
        FILTERS.put("min", (v, a) -> minMax(v, a, -1));
        FILTERS.put("max", (v, a) -> minMax(v, a, 1));
        FILTERS.put("indent", Filters::indent);
        FILTERS.put("wordcount", (v, a) -> {
            Matcher m = WORD.matcher(PyOps.strText(v));
            long n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        });
        FILTERS.put("format", (v, a) -> {
            if (!a.positional().isEmpty() && !a.keywords().isEmpty()) {
                throw new TemplateException("can't handle positional and keyword arguments at the same time");
            }
            Object args = a.keywords().isEmpty() ? new Tuple(a.positional()) : a.keywords();
            return PercentFormat.format(PyOps.str(v), args);
        });
        FILTERS.put("attr", (v, a) -> {
            String name = a.string(0, "name", "");
            if (v instanceof Namespace ns) {
                return ns.get(name);
            }
            if (v instanceof LoopInfo loop) {
                return loop.get(name);
            }
            JinjaFunction method = Methods.bind(v, name);
            return method != null ? method : Undefined.attribute(v, name);
        });
        FILTERS.put("pprint", (v, a) -> MarkedString.untrusted(PyOps.repr(v)));
    }

    private Filters() {}

    static boolean exists(String name) {
        return FILTERS.containsKey(name);
    }

    static Object apply(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        Filter f = FILTERS.get(name);
        if (f == null) {
            throw new TemplateException("no filter named '" + name + "'");
        }
        return f.apply(value, new Args(name, args, kwargs));
    }

    // ---- implementations ----

    private static Object tojson(Object value, Args a) {
        boolean ensureAscii = a.bool(0, "ensure_ascii", false);
        Object indentArg = a.get(1, "indent", null);
        Object separators = a.get(2, "separators", null);
        boolean sortKeys = a.bool(3, "sort_keys", false);
        Object json = PyOps.toJson(value);
        if (sortKeys) {
            json = sortKeys(json);
        }
        int indent = -1;
        if (indentArg != null) {
            if (PyOps.isString(indentArg)) {
                throw new TemplateException("tojson: a string indent is not supported; use a number of spaces");
            }
            indent = (int) PyOps.toLong(indentArg);
        }
        if (separators == null) {
            return Json.write(json, indent, ensureAscii);
        }
        List<Object> seps = PyOps.iterate(separators);
        if (seps.size() != 2 || !PyOps.isString(seps.get(0)) || !PyOps.isString(seps.get(1))) {
            throw new TemplateException("tojson: separators must be a pair of strings");
        }
        StringBuilder sb = new StringBuilder();
        writeJson(json, PyOps.text(seps.get(0)), PyOps.text(seps.get(1)), indent, ensureAscii, 0, sb);
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    private static Object sortKeys(Object json) {
        if (json instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new TreeMap<>(PyOps::compareCodePoints);
            m.forEach((k, v) -> sorted.put((String) k, sortKeys(v)));
            return new LinkedHashMap<>(sorted);
        }
        if (json instanceof List<?> l) {
            return l.stream().map(Filters::sortKeys).toList();
        }
        return json;
    }

    /** json.dumps with custom separators (Json.write covers the default ones). */
    private static void writeJson(Object v, String itemSep, String keySep, int indent, boolean ascii, int level, StringBuilder sb) {
        if (v instanceof Map<?, ?> m && !m.isEmpty()) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(itemSep);
                }
                first = false;
                newline(indent, level + 1, sb);
                sb.append(Json.write(e.getKey(), -1, ascii)).append(keySep);
                writeJson(e.getValue(), itemSep, keySep, indent, ascii, level + 1, sb);
            }
            newline(indent, level, sb);
            sb.append('}');
        } else if (v instanceof List<?> l && !l.isEmpty()) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(itemSep);
                }
                newline(indent, level + 1, sb);
                writeJson(l.get(i), itemSep, keySep, indent, ascii, level + 1, sb);
            }
            newline(indent, level, sb);
            sb.append(']');
        } else {
            sb.append(Json.write(v, -1, ascii));
        }
    }

    private static void newline(int indent, int level, StringBuilder sb) {
        if (indent >= 0) {
            sb.append('\n').repeat(' ', indent * level);
        }
    }

    private static Object join(Object value, Args a) {
        MarkedString separator = PyOps.str(a.get(0, "d", MarkedString.empty()));
        String attribute = a.string(1, "attribute", null);
        List<Object> parts = new ArrayList<>();
        for (Object item : PyOps.iterate(value)) {
            parts.add(PyOps.str(attribute == null ? item : attribute(item, attribute, null)));
        }
        return Methods.join(separator, parts);
    }

    /** Jinja's title filter: each word (split at whitespace, dashes, brackets) capitalized. */
    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        while (m.find()) {
            titleWord(s.substring(last, m.start()), sb);
            titleWord(m.group(), sb);
            last = m.end();
        }
        titleWord(s.substring(last), sb);
        return sb.toString();
    }

    private static void titleWord(String word, StringBuilder sb) {
        if (!word.isEmpty()) {
            int first = word.codePointAt(0);
            int n = Character.charCount(first);
            sb.append(word.substring(0, n).toUpperCase(Locale.ROOT)).append(word.substring(n).toLowerCase(Locale.ROOT));
        }
    }

    private static Object toInt(Object v, Args a) {
        Object dflt = a.get(0, "default", 0L);
        int base = (int) a.integer(1, "base", 10);
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (PyOps.isInteger(v)) {
            return PyOps.toLong(v);
        }
        if (PyOps.isFloat(v)) {
            double d = PyOps.toDouble(v);
            return Double.isFinite(d) ? (Object) (long) d : dflt;
        }
        if (PyOps.isString(v)) {
            String s = Methods.strip(PyOps.marked(v), null, true, true).text().replaceAll("(?<=\\w)_(?=\\w)", "");
            try {
                return parseInt(s, base);
            } catch (NumberFormatException e) {
                try {
                    double d = Double.parseDouble(s); // "42.23" | int is 42, as in Jinja
                    return Double.isFinite(d) ? (Object) (long) d : dflt;
                } catch (NumberFormatException e2) {
                    return dflt;
                }
            }
        }
        return dflt;
    }

    /** Python's int(text, base): sign, and a 0x/0o/0b prefix matching the base (base 0 picks it from the prefix). */
    private static long parseInt(String s, int base) {
        boolean negative = s.startsWith("-");
        String digits = s.startsWith("-") || s.startsWith("+") ? s.substring(1) : s;
        String lower = digits.toLowerCase(Locale.ROOT);
        int prefixBase = lower.startsWith("0x") ? 16 : lower.startsWith("0o") ? 8 : lower.startsWith("0b") ? 2 : 0;
        if (prefixBase != 0 && (base == 0 || base == prefixBase)) {
            digits = digits.substring(2);
            base = prefixBase;
        } else if (base == 0) {
            base = 10;
        }
        long value = Long.parseLong(digits, base);
        return negative ? -value : value;
    }

    private static Object toFloat(Object v, Args a) {
        Object dflt = a.get(0, "default", 0.0);
        if (PyOps.isNumeric(v)) {
            return PyOps.toDouble(v);
        }
        if (PyOps.isString(v)) {
            String s = Methods.strip(PyOps.marked(v), null, true, true).text().toLowerCase(Locale.ROOT);
            switch (s) {
                case "nan", "+nan", "-nan" -> {
                    return Double.NaN;
                }
                case "inf", "+inf", "infinity", "+infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-inf", "-infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                default -> { }
            }
            try {
                if (s.matches("[+-]?(\\d[\\d_]*\\.?[\\d_]*|\\.\\d[\\d_]*)(e[+-]?\\d+)?")) {
                    return Double.parseDouble(s.replace("_", ""));
                }
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    private static Object round(Object v, Args a) {
        int precision = (int) a.integer(0, "precision", 0);
        String method = a.string(1, "method", "common");
        if (!PyOps.isNumeric(v)) {
            throw new TemplateException("round: a number is required, not " + PyOps.typeName(v));
        }
        if (!PyOps.isFloat(v) && method.equals("common") && precision >= 0) {
            return PyOps.toLong(v);
        }
        double d = PyOps.toDouble(v);
        if (!Double.isFinite(d)) {
            return d;
        }
        RoundingMode mode = switch (method) {
            case "common" -> RoundingMode.HALF_EVEN; // Python's round() of the exact binary value
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> throw new TemplateException("method must be common, ceil or floor");
        };
        return new BigDecimal(d).setScale(precision, mode).doubleValue();
    }

    /** Jinja's make_attrgetter: "a.b.0" looks up item a, then b, then index 0. */
    static Object attribute(Object item, String path, Object dflt) {
        Object v = item;
        for (String part : path.split("\\.")) {
            Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part;
            v = PyOps.getItem(v, key);
        }
        return dflt != null && v instanceof Undefined ? dflt : v;
    }

    private static Object selectOrReject(Object value, Args a, boolean select, boolean byAttribute) {
        List<Object> args = a.positional();
        String attribute = null;
        int offset = 0;
        if (byAttribute) {
            if (args.isEmpty() || !PyOps.isString(args.getFirst())) {
                throw new TemplateException((select ? "selectattr" : "rejectattr") + "() needs an attribute name");
            }
            attribute = PyOps.text(args.getFirst());
            offset = 1;
        }
        String test = args.size() > offset ? PyOps.strText(args.get(offset)) : null;
        List<Object> testArgs = args.size() > offset + 1 ? args.subList(offset + 1, args.size()) : List.of();
        List<Object> out = new ArrayList<>();
        if (!PyOps.truthy(value)) {
            return out;
        }
        for (Object item : PyOps.iterate(value)) {
            Object subject = attribute == null ? item : attribute(item, attribute, null);
            boolean passed = test == null ? PyOps.truthy(subject) : IsTests.apply(test, subject, testArgs);
            if (passed == select) {
                out.add(item);
            }
        }
        return out;
    }

    private static Object map(Object value, Args a) {
        List<Object> out = new ArrayList<>();
        if (!PyOps.truthy(value)) {
            return out;
        }
        if (a.positional().isEmpty() && a.keywords().containsKey("attribute")) {
            String attribute = PyOps.strText(a.keywords().get("attribute"));
            Object dflt = a.keywords().get("default");
            for (Object item : PyOps.iterate(value)) {
                out.add(attribute(item, attribute, dflt));
            }
            return out;
        }
        if (a.positional().isEmpty()) {
            throw new TemplateException("map() needs a filter name or attribute=");
        }
        String filter = PyOps.strText(a.positional().getFirst());
        List<Object> rest = a.positional().subList(1, a.positional().size());
        for (Object item : PyOps.iterate(value)) {
            out.add(apply(filter, item, rest, a.keywords()));
        }
        return out;
    }

    /** The key that sort/unique/min/max compare: an attribute, lower-cased strings unless case_sensitive. */
    private static Object sortKey(Object item, String attribute, boolean caseSensitive) {
        Object key = attribute == null ? item : attribute(item, attribute, null);
        if (!caseSensitive && PyOps.isString(key)) {
            return PyOps.text(key).toLowerCase(Locale.ROOT);
        }
        return key;
    }

    private static Object unique(Object value, Args a) {
        boolean caseSensitive = a.bool(0, "case_sensitive", false);
        String attribute = a.string(1, "attribute", null);
        List<Object> out = new ArrayList<>();
        List<Object> seen = new ArrayList<>();
        for (Object item : PyOps.iterate(value)) {
            Object key = sortKey(item, attribute, caseSensitive);
            if (seen.stream().noneMatch(s -> PyOps.eq(s, key))) {
                seen.add(key);
                out.add(item);
            }
        }
        return out;
    }

    private static Object sort(Object value, Args a) {
        boolean reverse = a.bool(0, "reverse", false);
        boolean caseSensitive = a.bool(1, "case_sensitive", false);
        String attribute = a.string(2, "attribute", null);
        List<Object> items = new ArrayList<>(PyOps.iterate(value));
        Comparator<Object> order = (x, y) -> PyOps.compare(sortKey(x, attribute, caseSensitive), sortKey(y, attribute, caseSensitive), "<");
        items.sort(reverse ? order.reversed() : order);
        return items;
    }

    private static Object dictsort(Object value, Args a) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new TemplateException("dictsort: a mapping is required, not " + PyOps.typeName(value));
        }
        boolean caseSensitive = a.bool(0, "case_sensitive", false);
        String by = a.string(1, "by", "key");
        boolean reverse = a.bool(2, "reverse", false);
        int index = switch (by) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw new TemplateException("You can only sort by either \"key\" or \"value\"");
        };
        List<Object> pairs = new ArrayList<>();
        m.forEach((k, v) -> pairs.add(Tuple.of(k, v)));
        Comparator<Object> order = (x, y) -> PyOps.compare(sortKey(((Tuple) x).get(index), null, caseSensitive),
                sortKey(((Tuple) y).get(index), null, caseSensitive), "<");
        pairs.sort(reverse ? order.reversed() : order);
        return pairs;
    }

    private static Object minMax(Object value, Args a, int sign) {
        boolean caseSensitive = a.bool(0, "case_sensitive", false);
        String attribute = a.string(1, "attribute", null);
        Object best = null;
        boolean any = false;
        for (Object item : PyOps.iterate(value)) {
            if (!any || sign * PyOps.compare(sortKey(item, attribute, caseSensitive), sortKey(best, attribute, caseSensitive), "<") > 0) {
                best = item;
                any = true;
            }
        }
        return any ? best : Undefined.because("No aggregated item, sequence was empty.");
    }

    private static Object indent(Object value, Args a) {
        Object width = a.get(0, "width", 4L);
        boolean first = a.bool(1, "first", false);
        boolean blank = a.bool(2, "blank", false);
        String indention = PyOps.isString(width) ? PyOps.text(width) : " ".repeat((int) PyOps.toLong(width));
        MarkedString s = PyOps.str(value).concat(MarkedString.untrusted("\n"));
        List<Object> lines = Methods.split(s, "\n", -1, false);
        lines = lines.subList(0, lines.size() - 1); // splitlines() of text ending in a newline
        MarkedString.Builder b = new MarkedString.Builder();
        for (int i = 0; i < lines.size(); i++) {
            MarkedString line = (MarkedString) lines.get(i);
            if (i > 0) {
                b.append("\n", false);
            }
            boolean indentThis = i == 0 ? first : (blank || !line.text().isEmpty());
            if (indentThis) {
                b.append(indention, false);
            }
            b.append(line);
        }
        return b.build();
    }
}
