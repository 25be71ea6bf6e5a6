package dev.llama3j.json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and writer, so that the core needs nothing beyond the JDK.
 *
 * <p>Values map to plain Java types: objects to {@link LinkedHashMap} (key order kept), arrays to
 * {@link ArrayList}, strings to {@link String}, integers to {@link Long} (or {@link BigDecimal} when
 * they overflow a long), other numbers to {@link Double}, {@code true}/{@code false} to
 * {@link Boolean} and {@code null} to Java {@code null}.
 *
 * <p>{@link #write} produces the same text as Python's {@code json.dumps} (which is what chat templates'
 * {@code tojson} and Hugging Face tooling produce): {@code ", "} and {@code ": "} separators, or
 * {@code ","} plus newlines and indentation when an indent is given, and non-ASCII kept or escaped.
 */
public final class Json {
    private Json() {}

    /** Parses one JSON document; trailing non-whitespace is an error. */
    public static Object parse(String text) {
        JsonParser p = new JsonParser(text);
        Object value = p.readValue();
        p.expectEnd();
        return value;
    }

    /** Reads and parses a UTF-8 JSON file; errors name the file. */
    public static Object parseFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (JsonException e) {
            throw new JsonException(file + ": " + e.getMessage());
        }
    }

    /** Compact JSON as Python's {@code json.dumps(value)} writes it (non-ASCII escaped). */
    public static String write(Object value) {
        return write(value, -1, true);
    }

    /**
     * JSON text as Python's {@code json.dumps(value, indent=indent, ensure_ascii=ensureAscii)}.
     *
     * @param indent spaces per level, or a negative number for one line with {@code ", "}/{@code ": "}
     */
    public static String write(Object value, int indent, boolean ensureAscii) {
        StringBuilder sb = new StringBuilder();
        new JsonWriter(sb, indent, ensureAscii, false).write(value, 0);
        return sb.toString();
    }

    /** The most compact form ({@code ","} and {@code ":"} separators, UTF-8 kept): for wire protocols. */
    public static String writeCompact(Object value) {
        StringBuilder sb = new StringBuilder();
        new JsonWriter(sb, -1, false, true).write(value, 0);
        return sb.toString();
    }

    /** Appends a JSON string literal (quotes included) for {@code s}, non-ASCII kept. */
    public static void quote(StringBuilder sb, String s) {
        JsonWriter.quote(sb, s, false);
    }

    // ---- typed accessors, so that callers can name the key that was wrong ----

    @SuppressWarnings("unchecked")
    public static Map<String, Object> asObject(Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new JsonException(what + ": expected a JSON object but found " + describe(value));
    }

    @SuppressWarnings("unchecked")
    public static List<Object> asArray(Object value, String what) {
        if (value instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new JsonException(what + ": expected a JSON array but found " + describe(value));
    }

    public static String asString(Object value, String what) {
        if (value instanceof String s) {
            return s;
        }
        throw new JsonException(what + ": expected a string but found " + describe(value));
    }

    public static long asLong(Object value, String what) {
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
            return d.longValue();
        }
        throw new JsonException(what + ": expected an integer but found " + describe(value));
    }

    public static int asInt(Object value, String what) {
        long l = asLong(value, what);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new JsonException(what + ": integer " + l + " is out of range");
        }
        return (int) l;
    }

    public static double asDouble(Object value, String what) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw new JsonException(what + ": expected a number but found " + describe(value));
    }

    public static boolean asBoolean(Object value, String what) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw new JsonException(what + ": expected true or false but found " + describe(value));
    }

    /** A short description of a value's JSON type and content for error messages. */
    public static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof String s) {
            return "the string " + write(s.length() > 40 ? s.substring(0, 40) + "…" : s, -1, false);
        }
        if (value instanceof Boolean) {
            return "the boolean " + value;
        }
        return "the number " + value;
    }
}
