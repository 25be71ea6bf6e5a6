package dev.llama3j.chat.jinja;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Map;

/**
 * Python's printf-style {@code "fmt" % args}, used by {@code "%s" % x} and the {@code format}
 * filter: conversions {@code s r d i f e g x o c %}, {@code %(key)s} with a dict, flags
 * {@code -0+ #}, width and precision.
 */
final class PercentFormat {
    private PercentFormat() {}

    static MarkedString format(MarkedString fmt, Object args) {
        List<Object> positional = args instanceof Tuple t ? t : List.of(args == null ? NULL : args);
        Map<?, ?> mapping = args instanceof Map<?, ?> m ? m : null;
        String f = fmt.text();
        MarkedString.Builder out = new MarkedString.Builder();
        int next = 0;
        int i = 0;
        while (i < f.length()) {
            char c = f.charAt(i);
            if (c != '%') {
                out.appendChar(fmt, i++);
                continue;
            }
            i++;
            if (i >= f.length()) {
                throw new TemplateException("incomplete format");
            }
            Object value = null;
            boolean haveValue = false;
            if (f.charAt(i) == '(') {
                int close = f.indexOf(')', i);
                if (close < 0 || mapping == null) {
                    throw new TemplateException(mapping == null ? "format requires a mapping" : "incomplete format key");
                }
                String key = f.substring(i + 1, close);
                if (!mapping.containsKey(key)) {
                    throw new TemplateException("format key '" + key + "' not found");
                }
                value = mapping.get(key);
                haveValue = true;
                i = close + 1;
            }
            StringBuilder flags = new StringBuilder();
            while (i < f.length() && "-0+ #".indexOf(f.charAt(i)) >= 0) {
                flags.append(f.charAt(i++));
            }
            int width = 0;
            while (i < f.length() && Character.isDigit(f.charAt(i))) {
                width = width * 10 + (f.charAt(i++) - '0');
            }
            int precision = -1;
            if (i < f.length() && f.charAt(i) == '.') {
                i++;
                precision = 0;
                while (i < f.length() && Character.isDigit(f.charAt(i))) {
                    precision = precision * 10 + (f.charAt(i++) - '0');
                }
            }
            if (i >= f.length()) {
                throw new TemplateException("incomplete format");
            }
            char type = f.charAt(i++);
            if (type == '%') {
                out.append("%", fmt.isTrusted(i - 1));
                continue;
            }
            if (!haveValue) {
                if (mapping != null) {
                    throw new TemplateException("format requires a mapping");
                }
                if (next >= positional.size()) {
                    throw new TemplateException("not enough arguments for format string");
                }
                value = positional.get(next++);
                if (value == NULL) {
                    value = null;
                }
            }
            if (type == 's' && width == 0 && precision < 0 && PyOps.isString(value)) {
                out.append(PyOps.marked(value)); // a string passed through unchanged keeps its marks
                continue;
            }
            out.append(pad(convert(type, value, flags.toString(), precision), width, flags.toString(), type), false);
        }
        if (mapping == null && next < positional.size()) {
            throw new TemplateException("not all arguments converted during string formatting");
        }
        return out.build();
    }

    private static final Object NULL = new Object();

    private static String convert(char type, Object value, String flags, int precision) {
        switch (type) {
            case 's', 'r', 'a' -> {
                String s = type == 's' ? PyOps.strText(value) : PyOps.repr(value);
                return precision >= 0 && precision < s.length() ? s.substring(0, precision) : s;
            }
            case 'd', 'i', 'u', 'x', 'X', 'o', 'c' -> {
                if (!PyOps.isNumeric(value)) {
                    throw new TemplateException("%" + type + " format: a real number is required, not " + PyOps.typeName(value));
                }
                long n = PyOps.isFloat(value) ? (long) PyOps.toDouble(value) : PyOps.toLong(value);
                String sign = n < 0 ? "-" : flags.contains("+") ? "+" : flags.contains(" ") ? " " : "";
                String digits = switch (type) {
                    case 'x' -> (flags.contains("#") ? "0x" : "") + Long.toHexString(Math.abs(n));
                    case 'X' -> (flags.contains("#") ? "0X" : "") + Long.toHexString(Math.abs(n)).toUpperCase();
                    case 'o' -> (flags.contains("#") ? "0o" : "") + Long.toOctalString(Math.abs(n));
                    case 'c' -> new String(Character.toChars((int) n));
                    default -> Long.toString(Math.abs(n));
                };
                return type == 'c' ? digits : sign + digits;
            }
            case 'f', 'F', 'e', 'E', 'g', 'G' -> {
                if (!PyOps.isNumeric(value)) {
                    throw new TemplateException("must be real number, not " + PyOps.typeName(value));
                }
                double d = PyOps.toDouble(value);
                int p = precision < 0 ? 6 : precision;
                String sign = d < 0 || (d == 0 && 1 / d < 0) ? "-" : flags.contains("+") ? "+" : flags.contains(" ") ? " " : "";
                double a = Math.abs(d);
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    String s = Double.isNaN(d) ? "nan" : "inf";
                    return sign + (Character.isUpperCase(type) ? s.toUpperCase() : s);
                }
                String body = switch (Character.toLowerCase(type)) {
                    case 'f' -> String.format("%." + p + "f", a);
                    case 'e' -> pythonExponent(String.format("%." + p + "e", a));
                    default -> generalFormat(a, p == 0 ? 1 : p, flags.contains("#"));
                };
                return sign + (Character.isUpperCase(type) ? body.toUpperCase() : body);
            }
            default -> throw new TemplateException("unsupported format character '" + type + "'");
        }
    }

    /** Java writes 1.0e+05; Python writes 1.0e+05 too but with at least two exponent digits. */
    private static String pythonExponent(String s) {
        int e = s.indexOf('e');
        String mantissa = s.substring(0, e);
        String exp = s.substring(e + 1);
        char sign = exp.charAt(0) == '-' ? '-' : '+';
        String digits = exp.replaceFirst("^[+-]", "").replaceFirst("^0+(?=\\d\\d)", "");
        return mantissa + "e" + sign + (digits.length() < 2 ? "0" + digits : digits);
    }

    /** {@code %g}: precision significant digits, exponent form outside 1e-4..1e precision, zeros stripped. */
    private static String generalFormat(double a, int p, boolean keepZeros) {
        if (a == 0) {
            return "0";
        }
        BigDecimal rounded = new BigDecimal(a).round(new MathContext(p));
        int exp = rounded.precision() - rounded.scale() - 1;
        String s;
        if (exp < -4 || exp >= p) {
            s = pythonExponent(String.format("%." + (p - 1) + "e", a));
            if (!keepZeros) {
                s = s.replaceFirst("\\.?0+e", "e");
            }
        } else {
            s = String.format("%." + Math.max(0, p - 1 - exp) + "f", a);
            if (!keepZeros && s.contains(".")) {
                s = s.replaceFirst("\\.?0+$", "");
            }
        }
        return s;
    }

    private static String pad(String s, int width, String flags, char type) {
        if (s.length() >= width) {
            return s;
        }
        if (flags.contains("-")) {
            return s + " ".repeat(width - s.length());
        }
        if (flags.contains("0") && "sra".indexOf(type) < 0) {
            int signLength = !s.isEmpty() && "+- ".indexOf(s.charAt(0)) >= 0 ? 1 : 0;
            return s.substring(0, signLength) + "0".repeat(width - s.length()) + s.substring(signLength);
        }
        return " ".repeat(width - s.length()) + s;
    }
}
