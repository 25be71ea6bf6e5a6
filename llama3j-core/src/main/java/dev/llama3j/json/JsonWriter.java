package dev.llama3j.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/** Writes JSON the way Python's {@code json.dumps} does; see {@link Json#write(Object, int, boolean)}. */
final class JsonWriter {
    private final StringBuilder sb;
    private final int indent;
    private final boolean ensureAscii;
    private final boolean compact;

    JsonWriter(StringBuilder sb, int indent, boolean ensureAscii, boolean compact) {
        this.sb = sb;
        this.indent = indent;
        this.ensureAscii = ensureAscii;
        this.compact = compact;
    }

    void write(Object v, int level) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String str) {
            quote(sb, str, ensureAscii);
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            sb.append(pythonFloat(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            sb.append(n instanceof BigDecimal bd ? bd.toPlainString() : n.toString());
        } else if (v instanceof Map<?, ?> m) {
            writeObject(m, level);
        } else if (v instanceof List<?> l) {
            writeArray(l, level);
        } else if (v instanceof Object[] arr) {
            writeArray(List.of(arr), level);
        } else if (v instanceof int[] arr) {
            sb.append('[');
            for (int i = 0; i < arr.length; i++) {
                if (i > 0) {
                    sb.append(compact ? "," : ", ");
                }
                sb.append(arr[i]);
            }
            sb.append(']');
        } else {
            quote(sb, v.toString(), ensureAscii);
        }
    }

    private void writeObject(Map<?, ?> m, int level) {
        if (m.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!first) {
                sb.append(indent >= 0 || compact ? "," : ", ");
            }
            first = false;
            newline(level + 1);
            quote(sb, String.valueOf(e.getKey()), ensureAscii);
            sb.append(compact ? ":" : ": ");
            write(e.getValue(), level + 1);
        }
        newline(level);
        sb.append('}');
    }

    private void writeArray(List<?> l, int level) {
        if (l.isEmpty()) {
            sb.append("[]");
            return;
        }
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
            if (i > 0) {
                sb.append(indent >= 0 || compact ? "," : ", ");
            }
            newline(level + 1);
            write(l.get(i), level + 1);
        }
        newline(level);
        sb.append(']');
    }

    private void newline(int level) {
        if (indent >= 0) {
            sb.append('\n');
            sb.repeat(' ', indent * level);
        }
    }

    static void quote(StringBuilder sb, String s, boolean ensureAscii) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent only below 1e-4 or from 1e16. */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (Double.doubleToRawLongBits(d) < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        BigInteger unscaled = bd.unscaledValue().abs();
        String digits = unscaled.toString();
        int exp10 = digits.length() - 1 - bd.scale(); // exponent of the leading digit
        String sign = d < 0 ? "-" : "";
        if (exp10 < -4 || exp10 >= 16) {
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String e = String.format("%02d", Math.abs(exp10));
            return sign + mant + "e" + (exp10 < 0 ? "-" : "+") + e;
        }
        String plain = bd.abs().toPlainString();
        if (!plain.contains(".")) {
            plain = plain + ".0";
        }
        return sign + plain;
    }
}
