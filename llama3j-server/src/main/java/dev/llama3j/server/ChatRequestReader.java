package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.llama3j.ChatRequest;
import dev.llama3j.chat.Message;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.chat.Role;
import dev.llama3j.chat.Tool;
import dev.llama3j.chat.ToolCall;
import dev.llama3j.chat.ToolChoice;
import dev.llama3j.error.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A chat completions body read into the core's {@link ChatRequest}, field by field (so that an
 * error names the exact field, e.g. {@code messages[2].tool_calls[0].function.arguments}); the core
 * does the rest of the turn (template, forced tool calls, parsing the answer).
 *
 * <p>Llama 3.1's built-in tools ({@code brave_search}, {@code wolfram_alpha},
 * {@code code_interpreter}) are asked for either through
 * {@code chat_template_kwargs.builtin_tools} (as with vLLM) or as function tools of those names;
 * either way they go to the request's built-in tools, which makes the model call them in its
 * {@code <|python_tag|>name.call(...)} form.
 */
final class ChatRequestReader {
    static final Set<String> BUILTIN_TOOLS = Set.of("brave_search", "wolfram_alpha", "code_interpreter");

    private ChatRequestReader() {}

    /**
     * @param g the fields chat shares with text completions (sampling, limits, stop, n, logprobs)
     * @param adapter the LoRA adapter the request's model names, or null
     */
    static ChatRequest read(Params p, GenerationOptions g, String adapter) {
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
                messages.add(message(m));
            } catch (InvalidRequestException e) {
                throw OpenAiError.invalid(e.getMessage(), "messages[" + i + "]");
            }
        }

        // Like Hugging Face and vLLM, leave date_string to the template unless the client sets it:
        // the same conversation then renders the same on every day (and reuses the prefix cache).
        RenderOptions options = RenderOptions.defaults().dateString(null);
        // vLLM's add_generation_prompt: false renders the conversation without the assistant header.
        Boolean addGenerationPrompt = p.bool("add_generation_prompt");
        if (addGenerationPrompt != null) {
            options = options.addGenerationPrompt(addGenerationPrompt);
        }
        Params kw = p.object("chat_template_kwargs");
        LinkedHashSet<String> builtins = new LinkedHashSet<>();
        if (kw != null) {
            var it = kw.node().properties().iterator();
            while (it.hasNext()) {
                var e = it.next();
                String key = e.getKey();
                Object value = plain(e.getValue());
                options = switch (key) {
                    case "builtin_tools" -> {
                        if (!(value instanceof List<?> l) || !l.stream().allMatch(x -> x instanceof String)) {
                            throw OpenAiError.invalidType("chat_template_kwargs.builtin_tools", "an array of tool names");
                        }
                        l.forEach(x -> builtins.add((String) x));
                        yield options;
                    }
                    case "date_string" -> {
                        if (!(value instanceof String d)) {
                            throw OpenAiError.invalidType("chat_template_kwargs.date_string", "a string");
                        }
                        yield options.dateString(d);
                    }
                    case "tools_in_user_message" -> {
                        if (!(value instanceof Boolean b)) {
                            throw OpenAiError.invalidType("chat_template_kwargs.tools_in_user_message", "a boolean");
                        }
                        yield options.toolsInUserMessage(b);
                    }
                    default -> options.variable(key, value);
                };
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
                Params f = function(t);
                String name = f.string("name");
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

        return ChatRequest.of(messages).withTools(tools).withBuiltinTools(List.copyOf(builtins))
                .withToolChoice(toolChoice(p)).withOptions(options).withSampling(g.sampling)
                .withMaxTokens(g.maxTokens != null ? g.maxTokens : 0).withStop(g.stop).withN(g.n)
                .withTopLogprobs(g.topLogprobs).withAdapter(adapter).withGrammar(g.grammar);
    }

    private static ToolChoice toolChoice(Params p) {
        JsonNode tc = p.raw("tool_choice");
        if (tc == null) {
            return ToolChoice.AUTO;
        }
        if (tc.isTextual()) {
            return switch (tc.textValue()) {
                case "auto" -> ToolChoice.AUTO;
                case "none" -> ToolChoice.NONE;
                case "required" -> ToolChoice.REQUIRED;
                default -> throw OpenAiError.invalid("'tool_choice' must be 'auto', 'none', 'required' or"
                        + " {\"type\": \"function\", \"function\": {\"name\": ...}}", "tool_choice");
            };
        }
        if (tc.isObject()) {
            Params f = p.object("tool_choice").object("function");
            if (f == null) {
                throw OpenAiError.missing("tool_choice.function");
            }
            return ToolChoice.named(f.requiredString("name"));
        }
        throw OpenAiError.invalidType("tool_choice", "a string or an object");
    }

    /** One message, straight from its JSON: the role checked once (by the core's {@link Role}). */
    static Message message(Params m) {
        String roleName = m.requiredString("role");
        Role role;
        try {
            // OpenAI's newer name for the system role.
            role = Role.fromWireName(roleName.equals("developer") ? "system" : roleName);
        } catch (InvalidRequestException e) {
            throw OpenAiError.invalid("'" + m.path("role") + "' must be one of system, user, assistant, tool,"
                    + " ipython; got '" + roleName + "'", m.path("role"));
        }
        boolean toolResult = role == Role.TOOL || role == Role.IPYTHON;
        Object content = toolResult && m.raw("content") != null && m.raw("content").isObject()
                ? plain(m.raw("content")) : content(m);
        List<ToolCall> calls = new ArrayList<>();
        ArrayNode callNodes = role == Role.ASSISTANT ? m.array("tool_calls") : null;
        if (callNodes != null) {
            for (int j = 0; j < callNodes.size(); j++) {
                Params c = m.element(callNodes, "tool_calls", j);
                Params f = function(c);
                calls.add(new ToolCall(c.string("id"), f.string("name"), arguments(f), null));
            }
        }
        if (calls.isEmpty() && content == null) {
            throw OpenAiError.missing(m.path("content"));
        }
        return new Message(role, content, calls, toolResult ? m.string("tool_call_id") : null, m.string("name"));
    }

    /** The {@code function} of a tool or a tool call, with its non-empty {@code name}. */
    private static Params function(Params owner) {
        Params f = owner.object("function");
        if (f == null) {
            throw OpenAiError.missing(owner.path("function"));
        }
        if (f.requiredString("name").isEmpty()) {
            throw OpenAiError.invalid("'" + f.path("name") + "' must not be empty", f.path("name"));
        }
        return f;
    }

    /** {@code arguments}: OpenAI sends a JSON string; the template wants the object. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> arguments(Params f) {
        JsonNode a = f.raw("arguments");
        if (a == null) {
            return new LinkedHashMap<String, Object>();
        }
        if (a.isObject()) {
            return (Map<String, Object>) plain(a);
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
        return (Map<String, Object>) plain(parsed);
    }

    /** A message's text: a string, or the text parts of a content array joined by the core's one rule. */
    private static String content(Params m) {
        JsonNode c = m.raw("content");
        if (c == null) {
            return null;
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (c.isArray()) {
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < c.size(); i++) {
                Params part = m.element((ArrayNode) c, "content", i);
                String type = part.requiredString("type");
                if (!type.equals("text")) {
                    throw OpenAiError.invalid("Content parts of type '" + type + "' are not supported; only 'text'",
                            part.path("type"));
                }
                texts.add(part.requiredString("text"));
            }
            return Message.joinTextParts(texts);
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
}
