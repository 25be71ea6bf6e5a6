package dev.llama3j.chat.jinja;

import dev.llama3j.json.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's semantics for template values, since Jinja evaluates expressions as Python does:
 * truthiness, {@code str()} and {@code repr()}, equality and ordering, arithmetic, {@code in},
 * iteration, {@code len()}, indexing and slicing (by code point, as Python strings index), and
 * Jinja's attribute/item lookup with its {@link Undefined} fallbacks.
 *
 * <p>Values are: {@code null} (None), {@link Boolean}, {@link Long} and other integral numbers,
 * {@link Double}, strings ({@link String} = untrusted data, or {@link MarkedString}), {@link List}
 * ({@link Tuple} for tuples), {@link Map}, {@link Undefined}, {@link Namespace}, {@link LoopInfo} and
 * {@link JinjaFunction}.
 */
final class PyOps {
    private PyOps() {}

    // ---- kinds ----

    static boolean isString(Object v) {
        return v instanceof String || v instanceof MarkedString;
    }

    static String text(Object v) {
        return v instanceof MarkedString m ? m.text() : (String) v;
    }

    static MarkedString marked(Object v) {
        return v instanceof MarkedString m ? m : MarkedString.untrusted((String) v);
    }

    /** Python int (bool excluded). */
    static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte || v instanceof BigInteger;
    }

    static boolean isFloat(Object v) {
        return v instanceof Double || v instanceof Float || v instanceof BigDecimal;
    }

    /** Python's numbers.Number, which includes bool. */
    static boolean isNumeric(Object v) {
        return isInteger(v) || isFloat(v) || v instanceof Boolean;
    }

    /** Integral for arithmetic: an int or a bool. */
    private static boolean isIntegral(Object v) {
        return isInteger(v) || v instanceof Boolean;
    }

    static long toLong(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof BigInteger bi) {
            try {
                return bi.longValueExact();
            } catch (ArithmeticException e) {
                throw new TemplateException("integer " + bi + " is too large");
            }
        }
        return ((Number) v).longValue();
    }

    static double toDouble(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
    }

    static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (isInteger(v)) {
            return "int";
        }
        if (isFloat(v)) {
            return "float";
        }
        if (isString(v)) {
            return "str";
        }
        if (v instanceof Tuple) {
            return "tuple";
        }
        if (v instanceof List) {
            return "list";
        }
        if (v instanceof Map) {
            return "dict";
        }
        if (v instanceof Undefined) {
            return "Undefined";
        }
        if (v instanceof Namespace) {
            return "Namespace";
        }
        if (v instanceof LoopInfo) {
            return "LoopContext";
        }
        if (v instanceof JinjaFunction) {
            return "function";
        }
        return v.getClass().getSimpleName();
    }

    /** How Jinja names an object in "has no attribute" messages: {@code 'dict object'}, {@code 'None'}. */
    static String objectDescription(Object v) {
        return v == null ? "'None'" : "'" + typeName(v) + " object'";
    }

    // ---- whitespace (Python's str.isspace) ----

    static boolean isSpace(int c) {
        return switch (c) {
            case ' ', '\t', '\n', '\u000b', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f,
                    0x205f, 0x3000 -> true;
            default -> c >= 0x2000 && c <= 0x200a;
        };
    }

    static boolean isAllSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    // ---- truth, str(), repr() ----

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (isFloat(v)) {
            return toDouble(v) != 0;
        }
        if (isInteger(v)) {
            return v instanceof BigInteger bi ? bi.signum() != 0 : ((Number) v).longValue() != 0;
        }
        if (isString(v)) {
            return !text(v).isEmpty();
        }
        if (v instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Python's {@code str(v)}: strings keep their marks; everything else is untrusted text. */
    static MarkedString str(Object v) {
        if (isString(v)) {
            return marked(v);
        }
        if (v instanceof Undefined) {
            return MarkedString.empty();
        }
        return MarkedString.untrusted(repr(v));
    }

    static String strText(Object v) {
        return str(v).text();
    }

    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb);
        return sb.toString();
    }

    private static void repr(Object v, StringBuilder sb) {
        if (v == null) {
            sb.append("None");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "True" : "False");
        } else if (isString(v)) {
            quote(text(v), sb);
        } else if (isFloat(v)) {
            sb.append(floatRepr(toDouble(v)));
        } else if (isInteger(v)) {
            sb.append(v);
        } else if (v instanceof Tuple t) {
            sb.append('(');
            join(t, sb);
            sb.append(t.size() == 1 ? ",)" : ")");
        } else if (v instanceof List<?> l) {
            sb.append('[');
            join(l, sb);
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                repr(e.getKey(), sb);
                sb.append(": ");
                repr(e.getValue(), sb);
            }
            sb.append('}');
        } else if (v instanceof Undefined) {
            sb.append("Undefined");
        } else if (v instanceof Namespace ns) {
            sb.append("<Namespace ");
            repr(ns.attributes, sb);
            sb.append('>');
        } else if (v instanceof JinjaFunction) {
            sb.append("<function>");
        } else {
            sb.append(v);
        }
    }

    private static void join(List<?> items, StringBuilder sb) {
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            repr(items.get(i), sb);
        }
    }

    /** Python's {@code repr(float)}. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        return Json.write(d);
    }

    /** Python's {@code repr(str)}: single quotes unless the text has one and no double quote. */
    private static void quote(String s, StringBuilder sb) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(q);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == q || cp == '\\') {
                sb.append('\\').append((char) cp);
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (cp == ' ' || isPrintable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp <= 0xff) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp <= 0xffff) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.append(String.format("\\U%08x", cp));
            }
        }
        sb.append(q);
    }

    private static boolean isPrintable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    // ---- equality, ordering, membership ----

    static boolean eq(Object a, Object b) {
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a == null || b == null) {
            return a == b;
        }
        if (isString(a) || isString(b)) {
            return isString(a) && isString(b) && text(a).equals(text(b));
        }
        if (isNumeric(a) || isNumeric(b)) {
            if (!isNumeric(a) || !isNumeric(b)) {
                return false;
            }
            if (isIntegral(a) && isIntegral(b)) {
                return toBig(a).equals(toBig(b));
            }
            return toDouble(a) == toDouble(b);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if ((a instanceof Tuple) != (b instanceof Tuple) || la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                if (!mb.containsKey(e.getKey()) || !eq(e.getValue(), mb.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static BigInteger toBig(Object v) {
        return v instanceof BigInteger bi ? bi : BigInteger.valueOf(toLong(v));
    }

    /** Python ordering for {@code <}, {@code sort}, {@code min}: numbers, strings (by code point), sequences. */
    static int compare(Object a, Object b, String op) {
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        if (isNumeric(a) && isNumeric(b)) {
            if (isIntegral(a) && isIntegral(b)) {
                return toBig(a).compareTo(toBig(b));
            }
            return Double.compare(toDouble(a), toDouble(b));
        }
        if (isString(a) && isString(b)) {
            return compareCodePoints(text(a), text(b));
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof Tuple) == (b instanceof Tuple)) {
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return compare(la.get(i), lb.get(i), op);
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        throw new TemplateException("'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Python's {@code item in container}. */
    static boolean contains(Object container, Object item) {
        if (container instanceof Undefined) {
            return false; // an Undefined iterates as empty
        }
        if (isString(container)) {
            if (!isString(item)) {
                throw new TemplateException("'in <string>' requires string as left operand, not " + typeName(item));
            }
            return text(container).contains(text(item));
        }
        if (container instanceof List<?> l) {
            for (Object o : l) {
                if (eq(o, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container instanceof Map<?, ?> m) {
            return m.containsKey(mapKey(item));
        }
        throw new TemplateException("argument of type '" + typeName(container) + "' is not iterable");
    }

    /** Keys of template-made dicts are plain strings, so that they match keys of data maps. */
    static Object mapKey(Object key) {
        if (key instanceof MarkedString m) {
            return m.text();
        }
        if (key instanceof Integer || key instanceof Short || key instanceof Byte) {
            return ((Number) key).longValue();
        }
        return key;
    }

    // ---- arithmetic ----

    static Object binary(String op, Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        boolean numbers = isNumeric(a) && isNumeric(b);
        boolean integral = numbers && isIntegral(a) && isIntegral(b);
        try {
            switch (op) {
                case "+" -> {
                    if (numbers) {
                        return integral ? (Object) Math.addExact(toLong(a), toLong(b)) : toDouble(a) + toDouble(b);
                    }
                    if (isString(a) && isString(b)) {
                        return marked(a).concat(marked(b));
                    }
                    if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof Tuple) == (b instanceof Tuple)) {
                        List<Object> out = new ArrayList<>(la);
                        out.addAll(lb);
                        return a instanceof Tuple ? new Tuple(out) : out;
                    }
                    if (isString(a) || a instanceof List) {
                        throw new TemplateException("can only concatenate " + typeName(a) + " (not \"" + typeName(b)
                                + "\") to " + typeName(a));
                    }
                }
                case "-" -> {
                    if (numbers) {
                        return integral ? (Object) Math.subtractExact(toLong(a), toLong(b)) : toDouble(a) - toDouble(b);
                    }
                }
                case "*" -> {
                    if (numbers) {
                        return integral ? (Object) Math.multiplyExact(toLong(a), toLong(b)) : toDouble(a) * toDouble(b);
                    }
                    if (isIntegral(b) && (isString(a) || a instanceof List)) {
                        return repeat(a, toLong(b));
                    }
                    if (isIntegral(a) && (isString(b) || b instanceof List)) {
                        return repeat(b, toLong(a));
                    }
                }
                case "/" -> {
                    if (numbers) {
                        if (toDouble(b) == 0) {
                            throw new TemplateException("division by zero");
                        }
                        return toDouble(a) / toDouble(b);
                    }
                }
                case "//" -> {
                    if (numbers) {
                        if (toDouble(b) == 0) {
                            throw new TemplateException("integer division or modulo by zero");
                        }
                        return integral ? (Object) Math.floorDiv(toLong(a), toLong(b)) : Math.floor(toDouble(a) / toDouble(b));
                    }
                }
                case "%" -> {
                    if (numbers) {
                        if (toDouble(b) == 0) {
                            throw new TemplateException("integer division or modulo by zero");
                        }
                        if (integral) {
                            return Math.floorMod(toLong(a), toLong(b));
                        }
                        double x = toDouble(a);
                        double y = toDouble(b);
                        return x - y * Math.floor(x / y);
                    }
                    if (isString(a)) {
                        return PercentFormat.format(marked(a), b);
                    }
                }
                case "**" -> {
                    if (numbers) {
                        if (integral && toLong(b) >= 0) {
                            long base = toLong(a);
                            long result = 1;
                            for (long k = toLong(b); k > 0; k--) {
                                result = Math.multiplyExact(result, base);
                            }
                            return result;
                        }
                        return Math.pow(toDouble(a), toDouble(b));
                    }
                }
                default -> throw new IllegalArgumentException(op);
            }
        } catch (ArithmeticException e) {
            throw new TemplateException("integer overflow in '" + op + "'");
        }
        throw new TemplateException("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    private static Object repeat(Object seq, long times) {
        if (isString(seq)) {
            MarkedString.Builder b = new MarkedString.Builder();
            for (long k = 0; k < times; k++) {
                b.append(marked(seq));
            }
            return b.build();
        }
        List<Object> out = new ArrayList<>();
        for (long k = 0; k < times; k++) {
            out.addAll((List<?>) seq);
        }
        return seq instanceof Tuple ? new Tuple(out) : out;
    }

    static Object unary(String op, Object v) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (!isNumeric(v)) {
            throw new TemplateException("bad operand type for unary " + op + ": '" + typeName(v) + "'");
        }
        if (op.equals("+")) {
            return isIntegral(v) ? (Object) toLong(v) : toDouble(v);
        }
        return isIntegral(v) ? (Object) Math.negateExact(toLong(v)) : -toDouble(v);
    }

    // ---- containers ----

    /** What a for loop over {@code v} visits: items, dict keys, or the characters of a string. */
    @SuppressWarnings("unchecked")
    static List<Object> iterate(Object v) {
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        if (v instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (isString(v)) {
            MarkedString s = marked(v);
            int[] starts = codePointStarts(s.text());
            List<Object> chars = new ArrayList<>(starts.length - 1);
            for (int k = 0; k + 1 < starts.length; k++) {
                chars.add(s.substring(starts[k], starts[k + 1]));
            }
            return chars;
        }
        if (v instanceof Undefined) {
            return List.of();
        }
        if (v instanceof Collection<?> c) {
            return new ArrayList<>(c);
        }
        throw new TemplateException("'" + typeName(v) + "' object is not iterable");
    }

    static int length(Object v) {
        if (isString(v)) {
            String s = text(v);
            return s.codePointCount(0, s.length());
        }
        if (v instanceof Collection<?> c) {
            return c.size();
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        if (v instanceof Undefined) {
            return 0;
        }
        throw new TemplateException("object of type '" + typeName(v) + "' has no len()");
    }

    /** {@code obj.name}: an attribute (a method) first, then an item; else Undefined. */
    static Object getAttr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        if (obj instanceof Namespace ns) {
            return ns.get(name);
        }
        if (obj instanceof LoopInfo loop) {
            return loop.get(name);
        }
        JinjaFunction method = Methods.bind(obj, name);
        if (method != null) {
            return method;
        }
        if (obj instanceof Map<?, ?> m && m.containsKey(name)) {
            return m.get(name);
        }
        return Undefined.attribute(obj, name);
    }

    /** {@code obj[key]}: an item first, then an attribute; else Undefined. */
    static Object getItem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        key = mapKey(key);
        if (obj instanceof Map<?, ?> m) {
            if (m.containsKey(key)) {
                return m.get(key);
            }
        } else if ((obj instanceof List || isString(obj)) && isIntegral(key)) {
            int n = length(obj);
            long index = toLong(key);
            if (index < 0) {
                index += n;
            }
            if (index < 0 || index >= n) {
                return Undefined.element(obj, key);
            }
            if (obj instanceof List<?> l) {
                return l.get((int) index);
            }
            MarkedString s = marked(obj);
            int start = s.text().offsetByCodePoints(0, (int) index);
            return s.substring(start, s.text().offsetByCodePoints(start, 1));
        }
        if (key instanceof String name) {
            return getAttr(obj, name);
        }
        return Undefined.element(obj, key);
    }

    /** Python slicing {@code obj[start:stop:step]} of a string (by code point) or a list. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        if (!(obj instanceof List) && !isString(obj)) {
            throw new TemplateException("'" + typeName(obj) + "' object is not subscriptable");
        }
        int n = length(obj);
        long st = step == null ? 1 : sliceIndex(step);
        if (st == 0) {
            throw new TemplateException("slice step cannot be zero");
        }
        long lo;
        long hi;
        if (st > 0) {
            lo = start == null ? 0 : clamp(sliceIndex(start), n, 0, n);
            hi = stop == null ? n : clamp(sliceIndex(stop), n, 0, n);
        } else {
            lo = start == null ? n - 1 : clamp(sliceIndex(start), n, -1, n - 1);
            hi = stop == null ? -1 : clamp(sliceIndex(stop), n, -1, n - 1);
        }
        List<Integer> indices = new ArrayList<>();
        for (long k = lo; st > 0 ? k < hi : k > hi; k += st) {
            indices.add((int) k);
        }
        if (obj instanceof List<?> l) {
            List<Object> out = new ArrayList<>(indices.size());
            for (int k : indices) {
                out.add(l.get(k));
            }
            return obj instanceof Tuple ? new Tuple(out) : out;
        }
        MarkedString s = marked(obj);
        int[] starts = codePointStarts(s.text());
        if (st == 1) {
            return indices.isEmpty() ? MarkedString.empty() : s.substring(starts[indices.getFirst()], starts[indices.getLast() + 1]);
        }
        MarkedString.Builder b = new MarkedString.Builder();
        for (int k : indices) {
            for (int c = starts[k]; c < starts[k + 1]; c++) {
                b.appendChar(s, c);
            }
        }
        return b.build();
    }

    private static long sliceIndex(Object v) {
        if (!isIntegral(v)) {
            throw new TemplateException("slice indices must be integers or None, not " + typeName(v));
        }
        return toLong(v);
    }

    private static long clamp(long index, int n, long min, long max) {
        if (index < 0) {
            index += n;
        }
        return Math.max(min, Math.min(max, index));
    }

    /** Char offset where each code point starts, plus the string length at the end. */
    static int[] codePointStarts(String s) {
        int[] starts = new int[s.codePointCount(0, s.length()) + 1];
        int k = 0;
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            starts[k++] = i;
        }
        starts[k] = s.length();
        return starts;
    }

    // ---- JSON ----

    /** The value as plain JSON data for {@code tojson}; template-only objects are an error, as in Python. */
    static Object toJson(Object v) {
        if (v == null || v instanceof Boolean || v instanceof String || isFloat(v) || v instanceof BigInteger) {
            return v;
        }
        if (isInteger(v)) {
            return toLong(v);
        }
        if (v instanceof MarkedString m) {
            return m.text();
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(toJson(o));
            }
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<?, ?> e = it.next();
                Object k = e.getKey();
                String key = k == null ? "null" : k instanceof Boolean b ? b.toString() : isString(k) ? text(k) : repr(k);
                out.put(key, toJson(e.getValue()));
            }
            return out;
        }
        throw new TemplateException("Object of type " + typeName(v) + " is not JSON serializable");
    }
}
