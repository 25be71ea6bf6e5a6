package dev.llama3j.chat;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.Llama3jException;
import dev.llama3j.chat.jinja.MarkedString;
import dev.llama3j.chat.jinja.Template;
import dev.llama3j.chat.jinja.TemplateRaisedException;
import dev.llama3j.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a conversation into the prompt text a model was trained on, by rendering the model's Jinja
 * chat template exactly as Hugging Face's {@code apply_chat_template} does.
 *
 * <pre>{@code
 * ChatTemplate template = ChatTemplate.fromTokenizerDir(modelDir);   // or ChatTemplate.llama31()
 * RenderedPrompt prompt = template.render(
 *         List.of(Message.system("You are a helpful assistant."), Message.user("Hello!")),
 *         List.of(),                                  // tools, if any
 *         RenderOptions.defaults());                  // generation prompt on, today's date
 * int[] ids = tokenizer.encode(prompt.text(), prompt.specialAllowedAt());
 * }</pre>
 *
 * <p>The template sees {@code messages}, {@code tools} (null when there are none),
 * {@code documents} (null), {@code add_generation_prompt}, {@code bos_token} and {@code eos_token}
 * (trusted markup), {@code date_string}, {@code builtin_tools}, {@code tools_in_user_message} when
 * set, extra variables, and the functions {@code raise_exception} and {@code strftime_now}.
 * Thread-safe.
 */
public final class ChatTemplate {
    private static final String DEFAULT_RESOURCE = "llama-3.1-chat-template.jinja";
    private static final String NAME = "chat template";
    private static volatile ChatTemplate llama31;

    /** By name; a single template is named "default". */
    private final Map<String, Template> templates;
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final boolean builtIn;

    private ChatTemplate(Map<String, Template> templates, String source, String bosToken, String eosToken, boolean builtIn) {
        this.templates = templates;
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.builtIn = builtIn;
    }

    /**
     * A template from its Jinja source (e.g. a GGUF's {@code tokenizer.chat_template}), with the
     * Llama 3.1 {@code bos_token} and {@code eos_token}.
     *
     * @throws dev.llama3j.chat.jinja.TemplateException for a syntax error, naming the line
     */
    public static ChatTemplate of(String source) {
        return new ChatTemplate(Map.of("default", Template.parse(source, NAME)), source,
                Llama3Tokens.BEGIN_OF_TEXT_TEXT, Llama3Tokens.EOT_TEXT, false);
    }

    /** The model's template, or the built-in Llama 3.1 one when the model has none (null or blank). */
    public static ChatTemplate ofOrDefault(String sourceOrNull) {
        return sourceOrNull == null || sourceOrNull.isBlank() ? llama31() : of(sourceOrNull);
    }

    /** The official Llama 3.1 Instruct template (July 2024), for models that ship none. */
    public static ChatTemplate llama31() {
        ChatTemplate t = llama31;
        if (t == null) {
            try (InputStream in = ChatTemplate.class.getResourceAsStream(DEFAULT_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + DEFAULT_RESOURCE + " is missing from the llama3j-core jar");
                }
                String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                t = new ChatTemplate(Map.of("default", Template.parse(source, "built-in Llama 3.1 chat template")), source,
                        Llama3Tokens.BEGIN_OF_TEXT_TEXT, Llama3Tokens.EOT_TEXT, true);
                llama31 = t;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return t;
    }

    /**
     * The template from a parsed {@code tokenizer_config.json}: {@code chat_template} as a string or
     * as a list of {@code {name, template}} (Hugging Face then uses "tool_use" when tools are given,
     * else "default"), and {@code bos_token}/{@code eos_token} as strings or {@code {"content": ...}}.
     * Without a chat_template the built-in Llama 3.1 template is used with the config's tokens.
     */
    public static ChatTemplate fromTokenizerConfig(Map<String, Object> config) {
        String bos = tokenText(config.get("bos_token"), Llama3Tokens.BEGIN_OF_TEXT_TEXT);
        String eos = tokenText(config.get("eos_token"), Llama3Tokens.EOT_TEXT);
        Object chatTemplate = config.get("chat_template");
        if (chatTemplate == null) {
            ChatTemplate d = llama31();
            return new ChatTemplate(d.templates, d.source, bos, eos, true);
        }
        if (chatTemplate instanceof String s) {
            return new ChatTemplate(Map.of("default", Template.parse(s, NAME)), s, bos, eos, false);
        }
        if (chatTemplate instanceof List<?> list) {
            Map<String, Template> named = new LinkedHashMap<>();
            String first = null;
            for (Object item : list) {
                if (!(item instanceof Map<?, ?> m) || !(m.get("name") instanceof String name)
                        || !(m.get("template") instanceof String source)) {
                    throw new Llama3jException("tokenizer_config.json: each chat_template entry must be {\"name\": ..., \"template\": ...}");
                }
                named.put(name, Template.parse(source, "chat template '" + name + "'"));
                if (first == null || name.equals("default")) {
                    first = source;
                }
            }
            if (named.isEmpty()) {
                throw new Llama3jException("tokenizer_config.json: chat_template is an empty list");
            }
            return new ChatTemplate(Map.copyOf(named), first, bos, eos, false);
        }
        throw new Llama3jException("tokenizer_config.json: chat_template must be a string or a list of named templates, not "
                + Json.describe(chatTemplate));
    }

    /**
     * The template of a Hugging Face model folder: {@code chat_template.jinja} if present (newer
     * transformers save it there), else {@code tokenizer_config.json}'s {@code chat_template}, else
     * the built-in one; tokens from {@code tokenizer_config.json} when it exists.
     */
    public static ChatTemplate fromTokenizerDir(Path dir) {
        Path configFile = dir.resolve("tokenizer_config.json");
        Map<String, Object> config = Files.isRegularFile(configFile)
                ? new HashMap<>(Json.asObject(Json.parseFile(configFile), configFile.toString()))
                : new HashMap<>();
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                config.put("chat_template", Files.readString(jinja, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + jinja + ": " + e.getMessage(), e);
            }
        }
        return fromTokenizerConfig(config);
    }

    private static String tokenText(Object token, String fallback) {
        if (token instanceof String s) {
            return s;
        }
        if (token instanceof Map<?, ?> m && m.get("content") instanceof String s) {
            return s;
        }
        return fallback;
    }

    /**
     * The same template with other {@code bos_token} and {@code eos_token} texts, e.g. those a GGUF
     * file names through {@code tokenizer.ggml.bos_token_id} and {@code eos_token_id}.
     */
    public ChatTemplate withTokens(String bosToken, String eosToken) {
        return new ChatTemplate(templates, source, bosToken, eosToken, builtIn);
    }

    /** The Jinja source (the "default" one when there are several). */
    public String source() {
        return source;
    }

    /** Whether this is the built-in Llama 3.1 template rather than the model's own. */
    public boolean isBuiltIn() {
        return builtIn;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    /** Renders a conversation without tools, with default options. */
    public RenderedPrompt render(List<Message> messages) {
        return render(messages, List.of(), RenderOptions.defaults());
    }

    /**
     * Renders a conversation.
     *
     * @param tools custom tools the model may call; null or empty for none (the template then gets {@code tools = None})
     * @throws InvalidRequestException when there are no messages or the template rejects the
     *     conversation through {@code raise_exception} (e.g. two tool calls in one message)
     * @throws dev.llama3j.chat.jinja.TemplateException when the template fails otherwise, naming its line
     */
    public RenderedPrompt render(List<Message> messages, List<Tool> tools, RenderOptions options) {
        if (messages == null || messages.isEmpty()) {
            throw new InvalidRequestException("messages must contain at least one message", "messages");
        }
        List<Object> messageMaps = new ArrayList<>(messages.size());
        for (Message m : messages) {
            messageMaps.add(m.toMap());
        }
        List<Object> toolMaps = null;
        if (tools != null && !tools.isEmpty()) {
            toolMaps = new ArrayList<>(tools.size());
            for (Tool t : tools) {
                toolMaps.add(t.toJson());
            }
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", messageMaps);
        vars.put("tools", toolMaps);
        vars.put("documents", null);
        vars.put("add_generation_prompt", options.addGenerationPrompt());
        vars.put("bos_token", MarkedString.trusted(options.bosToken() != null ? options.bosToken() : bosToken));
        vars.put("eos_token", MarkedString.trusted(eosToken));
        vars.put("strftime_now", Template.strftimeNow(options.clock()));
        if (options.builtinTools() != null) {
            vars.put("builtin_tools", options.builtinTools());
        }
        if (options.toolsInUserMessage() != null) {
            vars.put("tools_in_user_message", options.toolsInUserMessage());
        }
        String date = options.resolvedDateString();
        if (date != null) {
            vars.put("date_string", date);
        }
        vars.putAll(options.variables());
        options.markupVariables().forEach((k, v) -> vars.put(k, MarkedString.trusted(v)));

        MarkedString out;
        try {
            out = select(toolMaps != null).renderMarked(vars);
        } catch (TemplateRaisedException e) {
            throw new InvalidRequestException("the chat template rejected the conversation: " + e.detail(), "messages");
        }
        return new RenderedPrompt(out.text(), out.trustedChars());
    }

    private Template select(boolean withTools) {
        if (templates.size() == 1) {
            return templates.values().iterator().next();
        }
        if (withTools && templates.containsKey("tool_use")) {
            return templates.get("tool_use");
        }
        Template t = templates.get("default");
        if (t == null) {
            throw new Llama3jException("the model has several chat templates " + templates.keySet()
                    + " and none is named \"default\"");
        }
        return t;
    }
}
