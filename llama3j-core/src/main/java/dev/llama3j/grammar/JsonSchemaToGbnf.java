package dev.llama3j.grammar;

import dev.llama3j.error.GrammarException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * JSON Schema to GBNF, in the manner of llama.cpp's {@code common/json-schema-to-grammar.cpp}: each
 * (sub)schema becomes a rule, objects write their required properties in schema order followed by any
 * subset of the optional ones (also in order), and whitespace between tokens is bounded.
 *
 * <p>Supported: {@code type} (one or a list), {@code properties}, {@code required},
 * {@code additionalProperties} (false, true or a schema; absent means none, as in llama.cpp, unless
 * the object declares no properties), {@code enum}, {@code const}, {@code anyOf}, {@code oneOf} (its
 * branches should not overlap: one is chosen, exclusivity is not checked), {@code allOf} of object
 * schemas (merged), {@code items}, {@code prefixItems}, {@code minItems}, {@code maxItems},
 * {@code minLength}, {@code maxLength}, {@code pattern} (see {@link RegexToGbnf}), {@code format}
 * ({@code date}, {@code time}, {@code date-time}, {@code uuid}), {@code minimum}, {@code maximum},
 * {@code exclusiveMinimum}, {@code exclusiveMaximum}, local {@code $ref} into {@code $defs} or
 * {@code definitions} (recursion allowed). Annotations ({@code title}, {@code description},
 * {@code default}, ...) are ignored. Anything else is refused with a {@link GrammarException} naming
 * the keyword and its path ({@code #/properties/age/multipleOf}), never dropped, and so is a schema
 * that admits no value at all ({@code "enum": []}, {@code minimum > maximum}, ...).
 */
public final class JsonSchemaToGbnf {
    private static final String PARAM = "json_schema";
    private static final String CHAR = "[^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\/bfnrt] | \"u\" ([0-9a-cA-CefEF]"
            + " [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))";

    /** The grammar's building blocks; each line is added on first use, with the blocks it names. */
    private static final Map<String, String> PRIMITIVES = new LinkedHashMap<>();

    static {
        PRIMITIVES.put("space", "| \" \" | \"\\n\"{1,2} [ \\t]{0,20}");
        PRIMITIVES.put("boolean", "(\"true\" | \"false\") space");
        PRIMITIVES.put("null", "\"null\" space");
        PRIMITIVES.put("decimal-part", "[0-9]{1,16}");
        PRIMITIVES.put("integral-part", "[0] | [1-9] [0-9]{0,15}");
        PRIMITIVES.put("number", "(\"-\"? integral-part) (\".\" decimal-part)? ([eE] [-+]? integral-part)? space");
        PRIMITIVES.put("integer", "(\"-\"? integral-part) space");
        PRIMITIVES.put("char", CHAR);
        PRIMITIVES.put("string", "\"\\\"\" char* \"\\\"\" space");
        PRIMITIVES.put("value", "object | array | string | number | boolean | null");
        PRIMITIVES.put("object", "\"{\" space ( string \":\" space value (\",\" space string \":\" space value)* )?"
                + " \"}\" space");
        PRIMITIVES.put("array", "\"[\" space ( value (\",\" space value)* )? \"]\" space");
        PRIMITIVES.put("uuid", "\"\\\"\" [0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4}"
                + " \"-\" [0-9a-fA-F]{12} \"\\\"\" space");
        // days that exist in every year (29 February is left out)
        PRIMITIVES.put("date", "[0-9]{4} \"-\" ( \"02-\" ( \"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8] )"
                + " | ( \"0\" [13-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [12] [0-9] | \"30\" )"
                + " | ( \"0\" [13578] | \"1\" [02] ) \"-31\" )");
        PRIMITIVES.put("time", "([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] ( \".\" [0-9]{3} )?"
                + " ( \"Z\" | ( \"+\" | \"-\" ) ( \"0\" [0-9] | \"1\" [0-7] ) \":\" [0-5] [0-9] )"); // offsets within 18 h
        PRIMITIVES.put("date-time", "date \"T\" time");
        PRIMITIVES.put("date-string", "\"\\\"\" date \"\\\"\" space");
        PRIMITIVES.put("time-string", "\"\\\"\" time \"\\\"\" space");
        PRIMITIVES.put("date-time-string", "\"\\\"\" date-time \"\\\"\" space");
    }

    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema",
            "$id", "$comment", "readOnly", "writeOnly", "deprecated", "$anchor", "contentMediaType",
            "contentEncoding");
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties",
            "enum", "const", "anyOf", "oneOf", "allOf", "items", "prefixItems", "minItems", "maxItems", "minLength",
            "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "$ref",
            "$defs", "definitions", "uniqueItems");
    private static final Set<String> FORMATS = Set.of("date", "time", "date-time", "uuid");
    private static final List<String> TYPES = List.of("object", "array", "string", "number", "integer", "boolean",
            "null");

    private final Object rootSchema;
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final Map<String, String> refRules = new HashMap<>();

    private JsonSchemaToGbnf(Object rootSchema) {
        this.rootSchema = rootSchema;
    }

    /** GBNF for the JSON text of a schema; a schema that is not JSON is an error naming where. */
    public static String convert(String schemaJson) {
        Object schema;
        try {
            schema = Json.parse(schemaJson);
        } catch (JsonException e) {
            throw new GrammarException("the JSON schema is not valid JSON: " + e.getMessage(), PARAM);
        }
        return convertParsed(schema);
    }

    /** GBNF for a schema already parsed by {@link Json#parse} (maps, lists, strings, numbers, booleans). */
    public static String convertParsed(Object schema) {
        JsonSchemaToGbnf c = new JsonSchemaToGbnf(schema);
        c.visit(schema, "root", "#");
        return c.text();
    }

    /** The grammar of a schema's JSON text. */
    public static Grammar grammar(String schemaJson) {
        return Grammar.parse(convert(schemaJson));
    }

    /** GBNF for any JSON object (OpenAI's {@code response_format: {"type": "json_object"}}). */
    public static String anyJsonObject() {
        JsonSchemaToGbnf c = new JsonSchemaToGbnf(Map.of());
        c.rules.put("root", c.primitive("object"));
        return c.text();
    }

    private String text() {
        // add the building blocks the rules name (space, char, ...), and those that they name
        for (boolean added = true; added; ) {
            added = false;
            for (String primitive : PRIMITIVES.keySet()) {
                if (!rules.containsKey(primitive) && rules.values().stream().anyMatch(b -> mentions(b, primitive))) {
                    primitive(primitive);
                    added = true;
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        // root first, then the rest in the order they were made
        sb.append("root ::= ").append(rules.get("root")).append('\n');
        rules.forEach((name, body) -> {
            if (!name.equals("root")) {
                sb.append(name).append(" ::= ").append(body).append('\n');
            }
        });
        return sb.toString();
    }

    // ------------------------------------------------------------------ schemas

    /** Makes the rule {@code name} (or a numbered variant) for {@code schema}; returns the rule's name. */
    private String visit(Object schema, String name, String path) {
        String unique = uniqueName(name);
        rules.put(unique, ""); // reserved while the body is built
        rules.put(unique, body(schema, unique, path));
        return unique;
    }

    private String body(Object schema, String name, String path) {
        if (Boolean.TRUE.equals(schema)) {
            return primitive("value");
        }
        if (Boolean.FALSE.equals(schema)) {
            throw admitsNothing(path, "the schema is false");
        }
        if (!(schema instanceof Map<?, ?> raw)) {
            throw new GrammarException("JSON Schema at " + path + " must be an object or a boolean, not "
                    + Json.describe(schema), PARAM);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) raw;
        for (String key : s.keySet()) {
            if (!KEYWORDS.contains(key) && !ANNOTATIONS.contains(key)) {
                throw new GrammarException("JSON Schema keyword '" + key + "' at " + path + "/" + key
                        + " is not supported in constrained generation", PARAM);
            }
        }
        if (Boolean.TRUE.equals(s.get("uniqueItems"))) {
            throw new GrammarException("JSON Schema keyword 'uniqueItems' at " + path + "/uniqueItems is not"
                    + " supported in constrained generation (only false is)", PARAM);
        }
        if (s.containsKey("$ref")) {
            onlyWith(s, path, "$ref", Set.of("$defs", "definitions"));
            return ref(Json.asString(s.get("$ref"), path + "/$ref"), path);
        }
        if (s.containsKey("const")) {
            onlyWith(s, path, "const", Set.of("type"));
            return literalValue(s.get("const"));
        }
        if (s.containsKey("enum")) {
            return enumeration(s, path);
        }
        for (String combinator : new String[] {"anyOf", "oneOf"}) {
            if (s.containsKey(combinator)) {
                onlyWith(s, path, combinator, Set.of("$defs", "definitions"));
                List<Object> branches = Json.asArray(s.get(combinator), path + "/" + combinator);
                if (branches.isEmpty()) {
                    throw admitsNothing(path + "/" + combinator, combinator + " is empty");
                }
                List<String> names = new ArrayList<>();
                for (int i = 0; i < branches.size(); i++) {
                    names.add(visit(branches.get(i), name + "-" + i, path + "/" + combinator + "/" + i));
                }
                return String.join(" | ", names);
            }
        }
        if (s.containsKey("allOf")) {
            return body(mergeAllOf(s, path), name, path);
        }
        Object type = s.get("type");
        if (type instanceof List<?> types) {
            if (types.isEmpty()) {
                throw admitsNothing(path + "/type", "the list of types is empty");
            }
            List<String> names = new ArrayList<>();
            for (Object t : types) {
                Map<String, Object> one = new LinkedHashMap<>(s);
                one.put("type", t);
                names.add(visit(one, name + "-" + Json.asString(t, path + "/type"), path));
            }
            return String.join(" | ", names);
        }
        String t = type == null ? inferType(s) : Json.asString(type, path + "/type");
        if (t == null) {
            return primitive("value");
        }
        return switch (t) {
            case "object" -> object(s, name, path);
            case "array" -> array(s, name, path);
            case "string" -> string(s, name, path);
            case "integer" -> integer(s, path);
            case "number" -> number(s, path);
            case "boolean" -> primitive("boolean");
            case "null" -> primitive("null");
            default -> throw new GrammarException("JSON Schema 'type' at " + path + "/type is '" + t
                    + "'; expected one of " + TYPES, PARAM);
        };
    }

    /** The type that a schema without {@code type} constrains, from its keywords (null: any value). */
    private static String inferType(Map<String, Object> s) {
        if (s.containsKey("properties") || s.containsKey("additionalProperties")) {
            return "object";
        }
        if (s.containsKey("items") || s.containsKey("prefixItems") || s.containsKey("minItems")
                || s.containsKey("maxItems")) {
            return "array";
        }
        if (s.containsKey("minLength") || s.containsKey("maxLength") || s.containsKey("pattern")
                || s.containsKey("format")) {
            return "string";
        }
        if (s.containsKey("minimum") || s.containsKey("maximum") || s.containsKey("exclusiveMinimum")
                || s.containsKey("exclusiveMaximum")) {
            return "number";
        }
        return null;
    }

    private String ref(String ref, String path) {
        String known = refRules.get(ref);
        if (known != null) {
            return known;
        }
        if (!ref.startsWith("#")) {
            throw new GrammarException("JSON Schema '$ref' at " + path + "/$ref is '" + ref + "': only references"
                    + " inside the schema (#/$defs/...) are supported", PARAM);
        }
        Object target = rootSchema;
        String pointer = ref.substring(1);
        if (!pointer.isEmpty()) {
            if (!pointer.startsWith("/")) {
                throw new GrammarException("JSON Schema '$ref' at " + path + "/$ref is '" + ref + "': expected a JSON"
                        + " pointer such as #/$defs/name", PARAM);
            }
            for (String part : pointer.substring(1).split("/", -1)) {
                String key = part.replace("~1", "/").replace("~0", "~");
                Object next = null;
                if (target instanceof Map<?, ?> m) {
                    next = m.get(key);
                } else if (target instanceof List<?> l && key.matches("\\d+") && Integer.parseInt(key) < l.size()) {
                    next = l.get(Integer.parseInt(key));
                }
                if (next == null) {
                    throw new GrammarException("JSON Schema '$ref' at " + path + "/$ref: '" + ref + "' points at"
                            + " nothing in the schema", PARAM);
                }
                target = next;
            }
        }
        String last = ref.substring(ref.lastIndexOf('/') + 1);
        String name = uniqueName(last.isEmpty() || last.equals("#") ? "ref" : last);
        refRules.put(ref, name);
        rules.put(name, "");
        rules.put(name, body(target, name, ref));
        return name;
    }

    private String literalValue(Object value) {
        return GbnfText.literal(Json.writeCompact(value)) + " " + primitive("space");
    }

    private String enumeration(Map<String, Object> s, String path) {
        onlyWith(s, path, "enum", Set.of("type"));
        List<Object> values = Json.asArray(s.get("enum"), path + "/enum");
        Object type = s.get("type");
        List<String> literals = new ArrayList<>();
        for (Object v : values) {
            if (type == null || hasType(v, type)) {
                literals.add(GbnfText.literal(Json.writeCompact(v)));
            }
        }
        if (literals.isEmpty()) {
            throw admitsNothing(path + "/enum", values.isEmpty() ? "enum is empty" : "no enum value has the type " + type);
        }
        return "(" + String.join(" | ", new LinkedHashSet<>(literals)) + ") " + primitive("space");
    }

    private static boolean hasType(Object v, Object type) {
        if (type instanceof List<?> types) {
            return types.stream().anyMatch(t -> hasType(v, t));
        }
        return switch (String.valueOf(type)) {
            case "string" -> v instanceof String;
            case "integer" -> v instanceof Long || v instanceof BigDecimal bd && bd.stripTrailingZeros().scale() <= 0
                    || v instanceof Double d && d == Math.rint(d);
            case "number" -> v instanceof Number;
            case "boolean" -> v instanceof Boolean;
            case "null" -> v == null;
            case "object" -> v instanceof Map;
            case "array" -> v instanceof List;
            default -> false;
        };
    }

    /** {@code allOf} of object schemas (after following {@code $ref}): one object with all their properties. */
    private Map<String, Object> mergeAllOf(Map<String, Object> s, String path) {
        onlyWith(s, path, "allOf", Set.of("$defs", "definitions", "type", "properties", "required"));
        Map<String, Object> merged = new LinkedHashMap<>();
        Map<String, Object> properties = new LinkedHashMap<>();
        List<Object> required = new ArrayList<>();
        List<Object> parts = new ArrayList<>(Json.asArray(s.get("allOf"), path + "/allOf"));
        Map<String, Object> self = new LinkedHashMap<>(s);
        self.remove("allOf");
        parts.add(0, self);
        for (int i = 0; i < parts.size(); i++) {
            String where = i == 0 ? path : path + "/allOf/" + (i - 1);
            Object part = parts.get(i);
            while (part instanceof Map<?, ?> m && m.containsKey("$ref")) {
                part = resolve(Json.asString(m.get("$ref"), where + "/$ref"), where);
            }
            Map<String, Object> p = Json.asObject(part, where);
            for (String key : p.keySet()) {
                if (!Set.of("type", "properties", "required", "$defs", "definitions").contains(key)
                        && !ANNOTATIONS.contains(key)) {
                    throw new GrammarException("JSON Schema 'allOf' at " + where + ": only object schemas with"
                            + " 'properties' and 'required' can be combined; '" + key + "' is not supported there",
                            PARAM);
                }
            }
            if (p.containsKey("type") && !"object".equals(p.get("type"))) {
                throw new GrammarException("JSON Schema 'allOf' at " + where + ": only object schemas can be"
                        + " combined, not type " + Json.writeCompact(p.get("type")), PARAM);
            }
            if (p.get("properties") != null) {
                properties.putAll(Json.asObject(p.get("properties"), where + "/properties"));
            }
            if (p.get("required") != null) {
                required.addAll(Json.asArray(p.get("required"), where + "/required"));
            }
        }
        merged.put("type", "object");
        merged.put("properties", properties);
        merged.put("required", new ArrayList<>(new LinkedHashSet<>(required)));
        return merged;
    }

    private Object resolve(String ref, String path) {
        String name = ref(ref, path); // checks the pointer and makes its rule
        Object target = rootSchema;
        for (String part : ref.substring(1).split("/")) {
            if (!part.isEmpty() && target instanceof Map<?, ?> m) {
                target = m.get(part.replace("~1", "/").replace("~0", "~"));
            }
        }
        return target == null ? Map.of("$ref", name) : target;
    }

    // ------------------------------------------------------------------ objects

    private String object(Map<String, Object> s, String name, String path) {
        Map<String, Object> properties = s.get("properties") == null ? Map.of()
                : Json.asObject(s.get("properties"), path + "/properties");
        List<Object> requiredList = s.get("required") == null ? List.of()
                : Json.asArray(s.get("required"), path + "/required");
        Set<String> required = new LinkedHashSet<>();
        for (Object r : requiredList) {
            String key = Json.asString(r, path + "/required");
            if (!properties.containsKey(key)) {
                throw new GrammarException("JSON Schema 'required' at " + path + "/required names '" + key
                        + "', which is not in 'properties': declare its schema there", PARAM);
            }
            required.add(key);
        }
        Object additional = s.get("additionalProperties");
        if (properties.isEmpty() && (additional == null || Boolean.TRUE.equals(additional))) {
            return primitive("object");
        }
        List<String> requiredKvs = new ArrayList<>();
        List<String> optionalKeys = new ArrayList<>();
        Map<String, String> kvRules = new LinkedHashMap<>();
        for (Map.Entry<String, Object> p : properties.entrySet()) {
            String key = p.getKey();
            String where = path + "/properties/" + key.replace("~", "~0").replace("/", "~1");
            if (Boolean.FALSE.equals(p.getValue())) {
                if (required.contains(key)) {
                    throw admitsNothing(where, "property '" + key + "' is required but its schema is false");
                }
                continue;
            }
            String valueRule = visit(p.getValue(), name + "-" + key, where);
            String kv = addRule(name + "-" + key + "-kv", GbnfText.literal(Json.writeCompact(key)) + " space \":\" space "
                    + valueRule);
            primitive("space");
            kvRules.put(key, kv);
            if (required.contains(key)) {
                requiredKvs.add(kv);
            } else {
                optionalKeys.add(key);
            }
        }
        if (additional != null && !Boolean.FALSE.equals(additional)) {
            String valueRule = Boolean.TRUE.equals(additional) ? primitive("value")
                    : visit(additional, name + "-additional", path + "/additionalProperties");
            String keyRule = properties.isEmpty() ? primitive("string")
                    : addRule(name + "-additional-key", notStrings(properties.keySet()));
            kvRules.put("*", addRule(name + "-additional-kv", keyRule + " \":\" space " + valueRule));
            optionalKeys.add("*");
        }
        StringBuilder body = new StringBuilder("\"{\" space ");
        body.append(String.join(" \",\" space ", requiredKvs));
        if (!optionalKeys.isEmpty()) {
            body.append(" (");
            if (!requiredKvs.isEmpty()) {
                body.append(" \",\" space ( ");
            }
            List<String> starts = new ArrayList<>();
            for (int i = 0; i < optionalKeys.size(); i++) {
                starts.add(optionalRest(optionalKeys.subList(i, optionalKeys.size()), kvRules, name, false));
            }
            body.append(String.join(" | ", starts));
            if (!requiredKvs.isEmpty()) {
                body.append(" )");
            }
            body.append(" )?");
        }
        body.append(" \"}\" space");
        return body.toString();
    }

    /**
     * The optional properties {@code keys[0..]} in order, any subset of them ({@code *} for additional
     * properties, which may repeat); as llama.cpp's {@code get_recursive_refs}.
     */
    private String optionalRest(List<String> keys, Map<String, String> kvRules, String name, boolean firstOptional) {
        String key = keys.get(0);
        String kv = kvRules.get(key);
        boolean many = key.equals("*");
        String comma = "( \",\" space " + kv + " )";
        String out = firstOptional ? comma + (many ? "*" : "?") : kv + (many ? " " + comma + "*" : "");
        if (keys.size() > 1) {
            out += " " + addRule(name + "-" + (many ? "additional" : key) + "-rest",
                    optionalRest(keys.subList(1, keys.size()), kvRules, name, true));
        }
        return out;
    }

    /** A JSON string (with its quotes and trailing space) that is none of {@code keys}. */
    private String notStrings(Set<String> keys) {
        TreeMap<Integer, Object> trie = new TreeMap<>();
        for (String k : keys) {
            TreeMap<Integer, Object> node = trie;
            for (int cp : k.codePoints().toArray()) {
                @SuppressWarnings("unchecked")
                TreeMap<Integer, Object> child = (TreeMap<Integer, Object>) node.computeIfAbsent(cp, x -> new TreeMap<>());
                node = child;
            }
            node.put(-1, Boolean.TRUE); // end of a key
        }
        primitive("char");
        return "\"\\\"\" " + notStringsBelow(trie) + " \"\\\"\" " + primitive("space");
    }

    /** Continuations of a key prefix that do not complete a key: as a GBNF group. */
    @SuppressWarnings("unchecked")
    private static String notStringsBelow(TreeMap<Integer, Object> node) {
        List<String> alternatives = new ArrayList<>();
        if (!node.containsKey(-1)) {
            alternatives.add(""); // stopping here is not a key
        }
        IntBuffer taken = new IntBuffer();
        for (Map.Entry<Integer, Object> e : node.entrySet()) {
            if (e.getKey() >= 0) {
                taken.add(e.getKey());
                taken.add(e.getKey());
                alternatives.add(RegexToGbnf.jsonLiteral(e.getKey()) + " "
                        + notStringsBelow((TreeMap<Integer, Object>) e.getValue()));
            }
        }
        List<int[]> excluded = new ArrayList<>();
        for (int i = 0; i < taken.size(); i += 2) {
            excluded.add(new int[] {taken.get(i), taken.get(i)});
        }
        excluded.add(new int[] {0x00, 0x1F});
        excluded.add(new int[] {'"', '"'});
        excluded.add(new int[] {'\\', '\\'});
        excluded.add(new int[] {0x7F, 0x7F});
        alternatives.add(GbnfText.charClass(GbnfParser.merge(excluded), true) + " char*");
        return "(" + String.join(" | ", alternatives) + ")";
    }

    // ------------------------------------------------------------------ arrays, strings, numbers

    private String array(Map<String, Object> s, String name, String path) {
        long min = s.get("minItems") == null ? 0 : nonNegative(s, "minItems", path);
        long max = s.get("maxItems") == null ? -1 : nonNegative(s, "maxItems", path);
        if (max >= 0 && min > max) {
            throw admitsNothing(path, "minItems " + min + " is above maxItems " + max);
        }
        Object items = s.get("items");
        if (s.containsKey("prefixItems")) {
            List<Object> prefix = Json.asArray(s.get("prefixItems"), path + "/prefixItems");
            if (items != null && !Boolean.FALSE.equals(items)) {
                throw new GrammarException("JSON Schema 'items' at " + path + "/items next to 'prefixItems' is not"
                        + " supported: use 'items': false (a tuple of exactly the prefix items)", PARAM);
            }
            if (prefix.size() < min || (max >= 0 && prefix.size() > max)) {
                throw admitsNothing(path, "the tuple of " + prefix.size() + " prefixItems does not fit minItems/maxItems");
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < prefix.size(); i++) {
                names.add(visit(prefix.get(i), name + "-" + i, path + "/prefixItems/" + i));
            }
            return "\"[\" space " + String.join(" \",\" space ", names) + " \"]\" space";
        }
        if (Boolean.FALSE.equals(items)) {
            if (min > 0) {
                throw admitsNothing(path, "'items' is false but minItems is " + min);
            }
            return "\"[\" space \"]\" " + primitive("space");
        }
        String item = items == null ? primitive("value") : visit(items, name + "-item", path + "/items");
        primitive("space");
        return "\"[\" space " + repetition(item, " \",\" space ", min, max) + " \"]\" space";
    }

    /** {@code item (separator item)*} with between {@code min} and {@code max} (-1: any) items, or nothing. */
    private static String repetition(String item, String separator, long min, long max) {
        if (max == 0) {
            return "";
        }
        String more = "(" + separator + item + ")";
        String rest;
        if (max < 0) {
            rest = more + (min <= 1 ? "*" : "{" + (min - 1) + ",}");
        } else if (max == 1) {
            rest = "";
        } else {
            rest = more + "{" + Math.max(0, min - 1) + "," + (max - 1) + "}";
        }
        String some = item + (rest.isEmpty() ? "" : " " + rest);
        return min == 0 ? "(" + some + ")?" : some;
    }

    private String string(Map<String, Object> s, String name, String path) {
        primitive("space");
        if (s.containsKey("format")) {
            onlyWith(s, path, "format", Set.of("type"));
            String format = Json.asString(s.get("format"), path + "/format");
            if (!FORMATS.contains(format)) {
                throw new GrammarException("JSON Schema 'format' at " + path + "/format is '" + format
                        + "', which is not supported; supported formats: date, time, date-time, uuid", PARAM);
            }
            return primitive(format.equals("uuid") ? "uuid" : format + "-string");
        }
        if (s.containsKey("pattern")) {
            onlyWith(s, path, "pattern", Set.of("type"));
            String pattern = Json.asString(s.get("pattern"), path + "/pattern");
            return "\"\\\"\" " + RegexToGbnf.convert(pattern, path + "/pattern") + " \"\\\"\" space";
        }
        long min = s.get("minLength") == null ? 0 : nonNegative(s, "minLength", path);
        long max = s.get("maxLength") == null ? -1 : nonNegative(s, "maxLength", path);
        if (max >= 0 && min > max) {
            throw admitsNothing(path, "minLength " + min + " is above maxLength " + max);
        }
        if (min == 0 && max < 0) {
            return primitive("string");
        }
        primitive("char");
        String count = max < 0 ? "{" + min + ",}" : "{" + min + "," + max + "}";
        return "\"\\\"\" char" + count + " \"\\\"\" space";
    }

    private String integer(Map<String, Object> s, String path) {
        if (!hasBounds(s)) {
            return primitive("integer");
        }
        Bound lo = bound(s, "minimum", "exclusiveMinimum", path, true);
        Bound hi = bound(s, "maximum", "exclusiveMaximum", path, false);
        Long a = lo == null ? null : (long) (lo.exclusive ? Math.floor(lo.value) + 1 : Math.ceil(lo.value));
        Long b = hi == null ? null : (long) (hi.exclusive ? Math.ceil(hi.value) - 1 : Math.floor(hi.value));
        String range = NumberRanges.integers(a, b);
        if (range == null) {
            throw admitsNothing(path, "no integer lies between the bounds" + describe(lo, hi));
        }
        return range + " " + primitive("space");
    }

    private String number(Map<String, Object> s, String path) {
        if (!hasBounds(s)) {
            return primitive("number");
        }
        Bound lo = bound(s, "minimum", "exclusiveMinimum", path, true);
        Bound hi = bound(s, "maximum", "exclusiveMaximum", path, false);
        String range = NumberRanges.numbers(lo == null ? null : lo.value, lo != null && lo.exclusive,
                hi == null ? null : hi.value, hi != null && hi.exclusive);
        if (range == null) {
            throw admitsNothing(path, "no number can be written between the bounds" + describe(lo, hi));
        }
        return range + " " + primitive("space");
    }

    private record Bound(double value, boolean exclusive) {}

    private static boolean hasBounds(Map<String, Object> s) {
        return s.containsKey("minimum") || s.containsKey("maximum") || s.containsKey("exclusiveMinimum")
                || s.containsKey("exclusiveMaximum");
    }

    /** The tighter of an inclusive and an exclusive bound on one side, or null when neither is given. */
    private static Bound bound(Map<String, Object> s, String inclusiveKey, String exclusiveKey, String path,
            boolean lower) {
        Bound inclusive = null;
        Bound exclusive = null;
        if (s.get(inclusiveKey) != null) {
            inclusive = new Bound(Json.asDouble(s.get(inclusiveKey), path + "/" + inclusiveKey), false);
        }
        Object ex = s.get(exclusiveKey);
        if (ex instanceof Boolean b) { // draft 4: a flag on minimum/maximum
            if (b && inclusive != null) {
                inclusive = new Bound(inclusive.value, true);
            }
        } else if (ex != null) {
            exclusive = new Bound(Json.asDouble(ex, path + "/" + exclusiveKey), true);
        }
        if (inclusive == null || exclusive == null) {
            return inclusive != null ? inclusive : exclusive;
        }
        boolean exclusiveTighter = lower ? exclusive.value >= inclusive.value : exclusive.value <= inclusive.value;
        return exclusiveTighter ? exclusive : inclusive;
    }

    private static String describe(Bound lo, Bound hi) {
        return " (" + (lo == null ? "no lower bound" : (lo.exclusive ? "> " : ">= ") + lo.value) + ", "
                + (hi == null ? "no upper bound" : (hi.exclusive ? "< " : "<= ") + hi.value) + ")";
    }

    // ------------------------------------------------------------------ helpers

    private static long nonNegative(Map<String, Object> s, String key, String path) {
        long v = Json.asLong(s.get(key), path + "/" + key);
        if (v < 0) {
            throw new GrammarException("JSON Schema '" + key + "' at " + path + "/" + key + " is " + v
                    + "; it must be 0 or more", PARAM);
        }
        return v;
    }

    /** Refuses keywords beside {@code keyword} that it would otherwise silently override. */
    private static void onlyWith(Map<String, Object> s, String path, String keyword, Set<String> allowed) {
        for (String key : s.keySet()) {
            if (!key.equals(keyword) && !allowed.contains(key) && !ANNOTATIONS.contains(key)
                    && !(key.equals("uniqueItems") && Boolean.FALSE.equals(s.get(key)))) {
                throw new GrammarException("JSON Schema keyword '" + key + "' at " + path + "/" + key + " next to '"
                        + keyword + "' is not supported in constrained generation (move it into the "
                        + keyword + " schema)", PARAM);
            }
        }
    }

    private static GrammarException admitsNothing(String path, String why) {
        return new GrammarException("JSON Schema at " + path + " admits no value: " + why, PARAM);
    }

    /** Adds one of {@link #PRIMITIVES} and the blocks it names; returns its name. */
    private String primitive(String name) {
        if (!rules.containsKey(name)) {
            String body = PRIMITIVES.get(name);
            rules.put(name, body);
            for (String other : PRIMITIVES.keySet()) {
                if (!other.equals(name) && mentions(body, other)) {
                    primitive(other);
                }
            }
        }
        return name;
    }

    /** Whether GBNF {@code body} names rule {@code rule} (outside string literals). */
    private static boolean mentions(String body, String rule) {
        String outside = body.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"").replaceAll("\\[(\\\\.|[^\\]\\\\])*]", "[]");
        return outside.matches("(?s).*(^|[^a-zA-Z0-9-])" + java.util.regex.Pattern.quote(rule) + "($|[^a-zA-Z0-9-]).*");
    }

    private String addRule(String name, String body) {
        String base = sanitize(name);
        if (body.equals(rules.get(base))) {
            return base;
        }
        String unique = uniqueName(base);
        rules.put(unique, body);
        return unique;
    }

    private String uniqueName(String name) {
        String base = sanitize(name);
        String unique = base;
        for (int i = 1; rules.containsKey(unique) || PRIMITIVES.containsKey(unique); i++) {
            unique = base + i;
        }
        return unique;
    }

    private static String sanitize(String name) {
        String s = name.replaceAll("[^a-zA-Z0-9-]+", "-");
        return s.isEmpty() ? "r" : s;
    }
}
