package dev.llama3j.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llama3j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Llama 3.1 chat format: the official template (July 2024), rendered in Java with the markup
 * kept apart from the message text, and Llama 3.1's two tool-call syntaxes parsed back.
 *
 * <p>A stand-in until the core's {@code dev.llama3j.chat} package (the Jinja template engine and
 * the tool-call parser) is merged; it matches the template's goldens for the conversations the
 * server sends. Only markup becomes special tokens: a user who types {@code <|eot_id|>} gets it
 * tokenized as plain text.
 */
final class Llama31ChatFormat implements ChatFormat {
    static final String PYTHON_TAG = "<|python_tag|>";
    private static final String DEFAULT_DATE = "26 Jul 2024";
    private static final Pattern BUILTIN_CALL = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)\\.call\\((.*)\\)$",
            Pattern.DOTALL);

    private final Tokenizer tokenizer;
    private final String bos;

    Llama31ChatFormat(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.bos = tokenizer.bosId().isPresent() ? tokenizer.piece(tokenizer.bosId().getAsInt()) : "";
    }

    /** Text with the positions of template markup, where special-token text counts as special. */
    private static final class Out {
        final StringBuilder sb = new StringBuilder();
        final BitSet markup = new BitSet();

        Out markup(String s) {
            markup.set(sb.length(), sb.length() + s.length());
            sb.append(s);
            return this;
        }

        Out text(String s) {
            sb.append(s);
            return this;
        }
    }

    @Override
    public Rendered render(ChatRequest r) {
        Out o = new Out();
        o.markup(bos);
        List<Map<String, Object>> tools = r.toolChoice == ChatRequest.ToolChoice.NONE ? null : r.tools;
        List<String> builtins = r.toolChoice == ChatRequest.ToolChoice.NONE ? null : r.builtinTools;
        boolean toolsInUser = !Boolean.FALSE.equals(r.templateKwargs.get("tools_in_user_message"));
        Object date = r.templateKwargs.getOrDefault("date_string", DEFAULT_DATE);
        List<Map<String, Object>> messages = r.messages;

        String system = "";
        if ("system".equals(messages.get(0).get("role"))) {
            system = strip(str(messages.get(0).get("content")));
            messages = messages.subList(1, messages.size());
        }
        o.markup("<|start_header_id|>system<|end_header_id|>\n\n");
        if (builtins != null || tools != null) {
            o.markup("Environment: ipython\n");
        }
        if (builtins != null) {
            o.markup("Tools: ").text(String.join(", ", builtins.stream().filter(b -> !b.equals("code_interpreter"))
                    .toList())).markup("\n\n");
        }
        o.markup("Cutting Knowledge Date: December 2023\n");
        o.markup("Today Date: ").text(String.valueOf(date)).markup("\n\n");
        if (tools != null && !toolsInUser) {
            o.markup("You have access to the following functions. To call a function, please respond with JSON for a"
                    + " function call.");
            o.markup("Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and"
                    + " its value}.");
            o.markup("Do not use variables.\n\n");
            for (Map<String, Object> t : tools) {
                o.text(PyJson.dumps(t, 4)).markup("\n\n");
            }
        }
        o.text(system).markup("<|eot_id|>");

        if (toolsInUser && tools != null) {
            if (messages.isEmpty()) {
                throw OpenAiError.invalid("Cannot put tools in the first user message when there's no first user"
                        + " message!", "messages");
            }
            String first = strip(str(messages.get(0).get("content")));
            messages = messages.subList(1, messages.size());
            o.markup("<|start_header_id|>user<|end_header_id|>\n\n");
            o.markup("Given the following functions, please respond with a JSON for a function call ");
            o.markup("with its proper arguments that best answers the given prompt.\n\n");
            o.markup("Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and"
                    + " its value}.");
            o.markup("Do not use variables.\n\n");
            for (Map<String, Object> t : tools) {
                o.text(PyJson.dumps(t, 4)).markup("\n\n");
            }
            o.text(first).markup("<|eot_id|>");
        }

        for (Map<String, Object> m : messages) {
            String role = (String) m.get("role");
            boolean isTool = role.equals("ipython") || role.equals("tool");
            if (!isTool && !m.containsKey("tool_calls")) {
                o.markup("<|start_header_id|>" + role + "<|end_header_id|>\n\n").text(strip(str(m.get("content"))))
                        .markup("<|eot_id|>");
            } else if (m.containsKey("tool_calls")) {
                toolCall(o, m, builtins);
            } else {
                o.markup("<|start_header_id|>ipython<|end_header_id|>\n\n");
                Object c = m.get("content");
                // The template tojson-encodes anything iterable, strings included.
                o.text(c instanceof String || c instanceof Map || c instanceof List ? PyJson.dumps(c, 0) : str(c));
                o.markup("<|eot_id|>");
            }
        }
        o.markup("<|start_header_id|>assistant<|end_header_id|>\n\n");
        String prefix = outputPrefix(r, o);
        String text = o.sb.toString();
        int[] ids = tokenizer.encode(text, o.markup::get);
        return new Rendered(ids, prefix);
    }

    @SuppressWarnings("unchecked")
    private static void toolCall(Out o, Map<String, Object> m, List<String> builtins) {
        List<Map<String, Object>> calls = (List<Map<String, Object>>) m.get("tool_calls");
        if (calls.size() != 1) {
            throw OpenAiError.invalid("This model only supports single tool-calls at once!", "messages");
        }
        Map<String, Object> fn = (Map<String, Object>) calls.get(0).get("function");
        String name = (String) fn.get("name");
        Map<String, Object> args = (Map<String, Object>) fn.get("arguments");
        o.markup("<|start_header_id|>assistant<|end_header_id|>\n\n");
        if (builtins != null && builtins.contains(name)) {
            o.markup(PYTHON_TAG).text(name).markup(".call(");
            boolean first = true;
            for (var e : args.entrySet()) {
                if (!first) {
                    o.markup(", ");
                }
                o.text(e.getKey()).markup("=\"").text(str(e.getValue())).markup("\"");
                first = false;
            }
            o.markup(")");
        } else {
            o.markup("{\"name\": \"").text(name).markup("\", ");
            o.markup("\"parameters\": ").text(PyJson.dumps(args, 0)).markup("}");
        }
        o.markup(builtins != null ? "<|eom_id|>" : "<|eot_id|>");
    }

    /** For tool_choice required or named: start the answer so that it can only be a tool call. */
    private static String outputPrefix(ChatRequest r, Out o) {
        String prefix = "";
        boolean builtinOnly = r.tools == null;
        if (r.toolChoice == ChatRequest.ToolChoice.NAMED) {
            if (r.builtinTools != null && r.builtinTools.contains(r.toolChoiceName)) {
                o.markup(PYTHON_TAG).text(r.toolChoiceName + ".call(");
                prefix = PYTHON_TAG + r.toolChoiceName + ".call(";
            } else {
                prefix = "{\"name\": \"" + r.toolChoiceName + "\", \"parameters\": ";
                o.text(prefix);
            }
        } else if (r.toolChoice == ChatRequest.ToolChoice.REQUIRED) {
            if (builtinOnly) {
                o.markup(PYTHON_TAG);
                prefix = PYTHON_TAG;
            } else if (r.builtinTools == null) {
                prefix = "{\"name\": \"";
                o.text(prefix);
            }
        }
        return prefix;
    }

    @Override
    public Kind classify(String output, ChatRequest request) {
        String s = output.stripLeading();
        if (s.isEmpty()) {
            return Kind.UNDECIDED;
        }
        if (s.startsWith(PYTHON_TAG) || s.startsWith("{")) {
            return Kind.TOOL_CALL;
        }
        return PYTHON_TAG.startsWith(s) ? Kind.UNDECIDED : Kind.CONTENT;
    }

    @Override
    public List<ToolCall> toolCalls(String output, ChatRequest request) {
        String s = output.strip();
        Set<String> functions = request.functionNames();
        List<String> builtins = request.builtinTools == null ? List.of() : request.builtinTools;
        if (s.startsWith(PYTHON_TAG)) {
            String body = s.substring(PYTHON_TAG.length()).strip();
            Matcher m = BUILTIN_CALL.matcher(body);
            if (m.matches() && (builtins.contains(m.group(1)) || functions.contains(m.group(1)))) {
                Map<String, Object> args = pythonKwargs(m.group(2));
                if (args != null) {
                    return List.of(new ToolCall(m.group(1), JsonSupport.string(ChatRequest.toJson(args))));
                }
            }
            List<ToolCall> json = jsonCalls(body, functions, builtins);
            if (!json.isEmpty()) {
                return json;
            }
            if (builtins.contains("code_interpreter") && !body.isEmpty()) {
                return List.of(new ToolCall("code_interpreter",
                        JsonSupport.string(ChatRequest.toJson(Map.of("code", body)))));
            }
            return List.of();
        }
        return jsonCalls(s, functions, builtins);
    }

    /** {@code {"name": ..., "parameters": {...}}}, possibly several separated by ';'. */
    private static List<ToolCall> jsonCalls(String s, Set<String> functions, List<String> builtins) {
        if (!s.startsWith("{")) {
            return List.of();
        }
        List<ToolCall> calls = new ArrayList<>();
        try (JsonParser p = JsonSupport.MAPPER.createParser(s)) {
            while (true) {
                JsonToken t = p.nextToken();
                if (t == null) {
                    break;
                }
                if (t != JsonToken.START_OBJECT) {
                    return List.of();
                }
                JsonNode node = JsonSupport.MAPPER.readTree(p);
                JsonNode name = node.get("name");
                JsonNode args = node.has("parameters") ? node.get("parameters") : node.get("arguments");
                if (name == null || !name.isTextual() || (args != null && !args.isObject())
                        || !(functions.contains(name.textValue()) || builtins.contains(name.textValue()))) {
                    return List.of();
                }
                calls.add(new ToolCall(name.textValue(), args == null ? "{}" : JsonSupport.string(args)));
                // Separators between calls: ';' and whitespace.
                int at = (int) p.currentLocation().getCharOffset();
                String rest = s.substring(Math.min(at, s.length())).strip();
                if (rest.isEmpty()) {
                    break;
                }
                if (!rest.startsWith(";")) {
                    return List.of();
                }
                return concat(calls, jsonCalls(rest.substring(1).strip(), functions, builtins));
            }
        } catch (Exception e) {
            return List.of();
        }
        return calls;
    }

    private static List<ToolCall> concat(List<ToolCall> a, List<ToolCall> b) {
        if (b.isEmpty()) {
            return List.of();
        }
        List<ToolCall> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** {@code query="x", n=3, flag=True} → a map; null if it is not that. */
    static Map<String, Object> pythonKwargs(String s) {
        Map<String, Object> out = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return out;
            }
            int start = i;
            while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            if (i == start) {
                return null;
            }
            String key = s.substring(start, i);
            while (i < n && s.charAt(i) == ' ') {
                i++;
            }
            if (i >= n || s.charAt(i) != '=') {
                return null;
            }
            i++;
            while (i < n && s.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                return null;
            }
            char q = s.charAt(i);
            if (q == '"' || q == '\'') {
                StringBuilder v = new StringBuilder();
                i++;
                while (i < n && s.charAt(i) != q) {
                    char c = s.charAt(i);
                    if (c == '\\' && i + 1 < n) {
                        char e = s.charAt(++i);
                        v.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            default -> e;
                        });
                    } else {
                        v.append(c);
                    }
                    i++;
                }
                if (i >= n) {
                    return null;
                }
                i++;
                out.put(key, v.toString());
            } else {
                int vs = i;
                while (i < n && s.charAt(i) != ',') {
                    i++;
                }
                String raw = s.substring(vs, i).strip();
                Object v = switch (raw) {
                    case "True" -> Boolean.TRUE;
                    case "False" -> Boolean.FALSE;
                    case "None" -> null;
                    default -> number(raw);
                };
                if (v == null && !raw.equals("None")) {
                    return null;
                }
                out.put(key, v);
            }
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return out;
            }
            if (s.charAt(i) != ',') {
                return null;
            }
            i++;
        }
    }

    private static Object number(String raw) {
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            try {
                return Double.parseDouble(raw);
            } catch (NumberFormatException e2) {
                return null;
            }
        }
    }

    /** Jinja's string of a value: None is "None", booleans are "True"/"False". */
    private static String str(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof Double d) {
            return PyJson.floatRepr(d);
        }
        return v.toString();
    }

    /** Python's {@code str.strip()}: Unicode whitespace as Python defines it. */
    static String strip(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isPySpace(s.charAt(a))) {
            a++;
        }
        while (b > a && isPySpace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    private static boolean isPySpace(char c) {
        return (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
                || c == 0x3000;
    }
}
