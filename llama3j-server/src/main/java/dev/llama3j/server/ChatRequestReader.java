package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.chat.Message;
import dev.llama3j.chat.Tool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A chat request's conversation and tools, checked field by field (so that an error names the
 * exact field, e.g. {@code messages[2].tool_calls[0].function.arguments}) and turned into the chat
 * package's {@link Message}s and {@link Tool}s.
 *
 * <p>Llama 3.1's built-in tools ({@code brave_search}, {@code wolfram_alpha},
 * {@code code_interpreter}) are asked for either through
 * {@code chat_template_kwargs.builtin_tools} (as with vLLM) or as function tools of those names;
 * either way they go to the template's {@code builtin_tools}, which makes the model call them in
 * its {@code <|python_tag|>name.call(...)} form.
 */
final class ChatRequest {
    static final Set<String> BUILTIN_TOOLS = Set.of("brave_search", "wolfram_alpha", "code_interpreter");
    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "ipython");

    /** {@code tool_choice}. */
    enum ToolChoice { AUTO, NONE, REQUIRED, NAMED }

    final List<Message> messages;
    /** Custom function tools, or null. */
    final List<Tool> tools;
    /** Built-in tool names for the template, or null when none are enabled. */
    final List<String> builtinTools;
    final ToolChoice toolChoice;
    /** The tool named by {@code tool_choice}, for {@link ToolChoice#NAMED}. */
    final String toolChoiceName;
    /** Other template variables from {@code chat_template_kwargs} ({@code date_string} …). */
    final Map<String, Object> templateKwargs;

    private ChatRequest(List<Message> messages, List<Tool> tools, List<String> builtinTools,
            ToolChoice toolChoice, String toolChoiceName, Map<String, Object> templateKwargs) {
        this.messages = messages;
        this.tools = tools;
        this.builtinTools = builtinTools;
        this.toolChoice = toolChoice;
        this.toolChoiceName = toolChoiceName;
        this.templateKwargs = templateKwargs;
    }

    /** Whether the output should be parsed for tool calls. */
    boolean toolsEnabled() {
        return toolChoice != ToolChoice.NONE && (tools != null || builtinTools != null);
    }

    static ChatRequest parse(Params p) {
        ArrayNode msgs = p.array("messages");
        if (msgs == null) {
            throw OpenAiError.missing("messages");
        }
        if (msgs.isEmpty()) {
            throw OpenAiError.invalid("'messages' must hold at least one message", "messages");
        }
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) {
            Params m = p.element(msgs, "messages", i);
            try {
                messages.add(Message.fromJson(message(m)));
            } catch (InvalidRequestException e) {
                throw OpenAiError.invalid(e.getMessage(), "messages[" + i + "]");
            }
        }

        Map<String, Object> kwargs = new LinkedHashMap<>();
        Params kw = p.object("chat_template_kwargs");
        LinkedHashSet<String> builtins = new LinkedHashSet<>();
        if (kw != null) {
            var it = kw.node().properties().iterator();
            while (it.hasNext()) {
                var e = it.next();
                kwargs.put(e.getKey(), plain(e.getValue()));
            }
            Object b = kwargs.remove("builtin_tools");
            if (b != null) {
                if (!(b instanceof List<?> l) || !l.stream().allMatch(x -> x instanceof String)) {
                    throw OpenAiError.invalidType("chat_template_kwargs.builtin_tools", "an array of tool names");
                }
                for (Object x : l) {
                    builtins.add((String) x);
                }
            }
            if (kwargs.containsKey("date_string") && !(kwargs.get("date_string") instanceof String)) {
                throw OpenAiError.invalidType("chat_template_kwargs.date_string", "a string");
            }
            if (kwargs.containsKey("tools_in_user_message")
                    && !(kwargs.get("tools_in_user_message") instanceof Boolean)) {
                throw OpenAiError.invalidType("chat_template_kwargs.tools_in_user_message", "a boolean");
            }
        }

        List<Tool> tools = new ArrayList<>();
        ArrayNode ts = p.array("tools");
        if (ts != null) {
            for (int i = 0; i < ts.size(); i++) {
                Params t = p.element(ts, "tools", i);
                String type = t.string("type");
                if (type != null && !type.equals("function")) {
                    throw OpenAiError.invalid("Only tools of type 'function' are supported, got '" + type + "'",
                            t.path("type"));
                }
                Params f = t.object("function");
                if (f == null) {
                    throw OpenAiError.missing(t.path("function"));
                }
                String name = f.requiredString("name");
                if (name.isEmpty()) {
                    throw OpenAiError.invalid("'" + f.path("name") + "' must not be empty", f.path("name"));
                }
                f.string("description");
                f.object("parameters");
                if (BUILTIN_TOOLS.contains(name)) {
                    builtins.add(name);
                } else {
                    try {
                        tools.add(Tool.fromJson(plain(t.node())));
                    } catch (InvalidRequestException e) {
                        throw OpenAiError.invalid(e.getMessage(), "tools[" + i + "]");
                    }
                }
            }
        }

        ToolChoice choice = ToolChoice.AUTO;
        String choiceName = null;
        JsonNode tc = p.raw("tool_choice");
        if (tc != null) {
            if (tc.isTextual()) {
                choice = switch (tc.textValue()) {
                    case "auto" -> ToolChoice.AUTO;
                    case "none" -> ToolChoice.NONE;
                    case "required" -> ToolChoice.REQUIRED;
                    default -> throw OpenAiError.invalid("'tool_choice' must be 'auto', 'none', 'required' or"
                            + " {\"type\": \"function\", \"function\": {\"name\": ...}}", "tool_choice");
                };
            } else if (tc.isObject()) {
                Params o = p.object("tool_choice");
                Params f = o.object("function");
                if (f == null) {
                    throw OpenAiError.missing("tool_choice.function");
                }
                choice = ToolChoice.NAMED;
                choiceName = f.requiredString("name");
            } else {
                throw OpenAiError.invalidType("tool_choice", "a string or an object");
            }
        }
        List<Tool> toolList = tools.isEmpty() ? null : List.copyOf(tools);
        List<String> builtinList = builtins.isEmpty() ? null : List.copyOf(builtins);
        if ((choice == ToolChoice.REQUIRED || choice == ToolChoice.NAMED) && toolList == null && builtinList == null) {
            throw OpenAiError.invalid("'tool_choice' asks for a tool call but no tools are given", "tool_choice");
        }
        String named = choiceName;
        if (choice == ToolChoice.NAMED && !builtins.contains(named)
                && (toolList == null || toolList.stream().noneMatch(t -> t.name().equals(named)))) {
            throw OpenAiError.invalid("'tool_choice' names the function '" + choiceName + "', which is not in 'tools'",
                    "tool_choice");
        }
        return new ChatRequest(List.copyOf(messages), toolList, builtinList, choice, choiceName, kwargs);
    }

    private static Map<String, Object> message(Params m) {
        String role = m.requiredString("role");
        if (!ROLES.contains(role)) {
            throw OpenAiError.invalid("'" + m.path("role") + "' must be one of system, user, assistant, tool,"
                    + " ipython; got '" + role + "'", m.path("role"));
        }
        if (role.equals("developer")) {
            role = "system";
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("role", role);
        boolean toolResult = role.equals("tool") || role.equals("ipython");
        Object content = toolResult && m.raw("content") != null && m.raw("content").isObject()
                ? plain(m.raw("content")) : content(m);
        ArrayNode calls = role.equals("assistant") ? m.array("tool_calls") : null;
        if (calls != null && !calls.isEmpty()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (int j = 0; j < calls.size(); j++) {
                Params c = m.element(calls, "tool_calls", j);
                Params f = c.object("function");
                if (f == null) {
                    throw OpenAiError.missing(c.path("function"));
                }
                String name = f.requiredString("name");
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", name);
                fn.put("arguments", arguments(f));
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("id", c.string("id"));
                call.put("type", "function");
                call.put("function", fn);
                list.add(call);
            }
            out.put("content", content);
            out.put("tool_calls", list);
        } else {
            if (content == null) {
                throw OpenAiError.missing(m.path("content"));
            }
            out.put("content", content);
        }
        if (toolResult) {
            String id = m.string("tool_call_id");
            if (id != null) {
                out.put("tool_call_id", id);
            }
        }
        String name = m.string("name");
        if (name != null) {
            out.put("name", name);
        }
        return out;
    }

    /** {@code arguments}: OpenAI sends a JSON string; the template wants the object. */
    private static Object arguments(Params f) {
        JsonNode a = f.raw("arguments");
        if (a == null) {
            return new LinkedHashMap<String, Object>();
        }
        if (a.isObject()) {
            return plain(a);
        }
        if (!a.isTextual()) {
            throw OpenAiError.invalidType(f.path("arguments"), "a JSON string");
        }
        if (a.textValue().isBlank()) {
            return new LinkedHashMap<String, Object>();
        }
        JsonNode parsed;
        try {
            parsed = JsonSupport.MAPPER.readTree(a.textValue());
        } catch (Exception e) {
            throw OpenAiError.invalid("'" + f.path("arguments") + "' is not valid JSON", f.path("arguments"));
        }
        if (parsed == null || !parsed.isObject()) {
            throw OpenAiError.invalid("'" + f.path("arguments") + "' must encode a JSON object", f.path("arguments"));
        }
        return plain(parsed);
    }

    /** A message's text: a string, or the concatenated text parts of a content array. */
    private static String content(Params m) {
        JsonNode c = m.raw("content");
        if (c == null) {
            return null;
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < c.size(); i++) {
                Params part = m.element((ArrayNode) c, "content", i);
                String type = part.requiredString("type");
                if (!type.equals("text")) {
                    throw OpenAiError.invalid("Content parts of type '" + type + "' are not supported; only 'text'",
                            part.path("type"));
                }
                sb.append(part.requiredString("text"));
            }
            return sb.toString();
        }
        throw OpenAiError.invalidType(m.path("content"), "a string or an array of content parts");
    }

    /** Jackson tree to plain Java (maps keep their order), for the template's data model. */
    static Object plain(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            var it = n.properties().iterator();
            while (it.hasNext()) {
                var e = it.next();
                m.put(e.getKey(), plain(e.getValue()));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonNode e : n) {
                l.add(plain(e));
            }
            return l;
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isIntegralNumber()) {
            return n.canConvertToLong() ? (Object) n.longValue() : n.bigIntegerValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        return n.asText();
    }

    static ObjectNode toJson(Object plain) {
        return JsonSupport.MAPPER.valueToTree(plain);
    }
}
