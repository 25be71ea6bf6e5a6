package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of a JSON request object. Each read names the field in its error (OpenAI's
 * {@code param}), so a client learns which field is wrong and why. A JSON {@code null} counts as
 * absent, as in OpenAI's API.
 */
final class Params {
    private final ObjectNode node;
    private final String prefix;

    Params(ObjectNode node) {
        this(node, "");
    }

    private Params(ObjectNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    ObjectNode node() {
        return node;
    }

    String path(String field) {
        return prefix + field;
    }

    boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    JsonNode raw(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    String string(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw OpenAiError.invalidType(path(field), "a string");
        }
        return v.textValue();
    }

    String requiredString(String field) {
        String s = string(field);
        if (s == null) {
            throw OpenAiError.missing(path(field));
        }
        return s;
    }

    Boolean bool(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isBoolean()) {
            throw OpenAiError.invalidType(path(field), "a boolean");
        }
        return v.booleanValue();
    }

    boolean bool(String field, boolean dflt) {
        Boolean b = bool(field);
        return b == null ? dflt : b;
    }

    /** An integer in [min, max], or null when absent. */
    Integer integer(String field, int min, int max) {
        Long l = longValue(field);
        if (l == null) {
            return null;
        }
        if (l < min || l > max) {
            throw OpenAiError.invalid("'" + path(field) + "' must be between " + min + " and " + max + ", got " + l,
                    path(field));
        }
        return l.intValue();
    }

    Long longValue(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        // 3.0 is accepted as 3 (JavaScript clients have no integers); 3.5 is not.
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.longValue();
        }
        if (v.isFloatingPointNumber() && v.doubleValue() == Math.rint(v.doubleValue())
                && Math.abs(v.doubleValue()) < 9e15) {
            return (long) v.doubleValue();
        }
        throw OpenAiError.invalidType(path(field), "an integer");
    }

    /** A number in [min, max], or null when absent. */
    Double number(String field, double min, double max) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw OpenAiError.invalidType(path(field), "a number");
        }
        double d = v.doubleValue();
        if (!(d >= min && d <= max)) {
            throw OpenAiError.invalid("'" + path(field) + "' must be between " + fmt(min) + " and " + fmt(max)
                    + ", got " + v.asText(), path(field));
        }
        return d;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    Params object(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw OpenAiError.invalidType(path(field), "an object");
        }
        return new Params((ObjectNode) v, path(field) + ".");
    }

    ArrayNode array(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            throw OpenAiError.invalidType(path(field), "an array");
        }
        return (ArrayNode) v;
    }

    /** Element {@code i} of an array field as an object. */
    Params element(ArrayNode array, String field, int i) {
        JsonNode v = array.get(i);
        String p = path(field) + "[" + i + "]";
        if (v == null || !v.isObject()) {
            throw OpenAiError.invalidType(p, "an object");
        }
        return new Params((ObjectNode) v, p + ".");
    }

    /** A string or an array of strings (like {@code stop}); empty list when absent. */
    List<String> stringOrStrings(String field, int maxItems) {
        JsonNode v = raw(field);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v.isTextual()) {
            out.add(v.textValue());
        } else if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    throw OpenAiError.invalidType(path(field), "a string or an array of strings");
                }
                out.add(e.textValue());
            }
        } else {
            throw OpenAiError.invalidType(path(field), "a string or an array of strings");
        }
        if (out.size() > maxItems) {
            throw OpenAiError.invalid("'" + path(field) + "' may hold at most " + maxItems + " items, got "
                    + out.size(), path(field));
        }
        return out;
    }
}
