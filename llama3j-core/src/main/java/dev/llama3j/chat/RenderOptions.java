package dev.llama3j.chat;

import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How to render one prompt, beyond the messages and tools. Immutable; each setter returns a copy.
 *
 * <pre>{@code
 * RenderOptions o = RenderOptions.defaults()
 *         .builtinTools(List.of("brave_search", "wolfram_alpha"))
 *         .dateString("13 July 2024");
 * }</pre>
 *
 * <p>Unset options are not passed to the template at all, so its own defaults apply, except
 * {@code date_string}, which defaults to today's date ("26 Nov 2026", {@code d MMM yyyy}) from the
 * clock. {@code dateString(null)} leaves it unset, as Hugging Face does (the Llama 3.1 template then
 * writes "26 Jul 2024").
 */
public final class RenderOptions {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d MMM yyyy", Locale.ENGLISH);
    private static final RenderOptions DEFAULTS =
            new RenderOptions(true, null, null, true, null, Clock.systemDefaultZone(), null, Map.of(), Map.of());

    private final boolean addGenerationPrompt;
    private final List<String> builtinTools;
    private final Boolean toolsInUserMessage;
    private final boolean dateFromClock;
    private final String dateString;
    private final Clock clock;
    private final String bosToken;
    private final Map<String, Object> variables;
    private final Map<String, String> markupVariables;

    private RenderOptions(boolean addGenerationPrompt, List<String> builtinTools, Boolean toolsInUserMessage,
            boolean dateFromClock, String dateString, Clock clock, String bosToken, Map<String, Object> variables,
            Map<String, String> markupVariables) {
        this.addGenerationPrompt = addGenerationPrompt;
        this.builtinTools = builtinTools;
        this.toolsInUserMessage = toolsInUserMessage;
        this.dateFromClock = dateFromClock;
        this.dateString = dateString;
        this.clock = clock;
        this.bosToken = bosToken;
        this.variables = variables;
        this.markupVariables = markupVariables;
    }

    /** Generation prompt on, today's date, nothing else set. */
    public static RenderOptions defaults() {
        return DEFAULTS;
    }

    /** Whether to end with the assistant header, so that the model writes the next message (default true). */
    public RenderOptions addGenerationPrompt(boolean value) {
        return new RenderOptions(value, builtinTools, toolsInUserMessage, dateFromClock, dateString, clock, bosToken,
                variables, markupVariables);
    }

    /** Llama 3.1's built-in tools to enable: {@code brave_search}, {@code wolfram_alpha}, {@code code_interpreter}; null = unset. */
    public RenderOptions builtinTools(List<String> value) {
        return new RenderOptions(addGenerationPrompt, value == null ? null : List.copyOf(value), toolsInUserMessage,
                dateFromClock, dateString, clock, bosToken, variables, markupVariables);
    }

    /** Whether custom tools go in the first user message (the template's default, true) or the system message; null = unset. */
    public RenderOptions toolsInUserMessage(Boolean value) {
        return new RenderOptions(addGenerationPrompt, builtinTools, value, dateFromClock, dateString, clock, bosToken,
                variables, markupVariables);
    }

    /** The date for "Today Date:"; null leaves {@code date_string} unset so the template's default applies. */
    public RenderOptions dateString(String value) {
        return new RenderOptions(addGenerationPrompt, builtinTools, toolsInUserMessage, false, value, clock, bosToken,
                variables, markupVariables);
    }

    /** The clock for the default date and for templates that call {@code strftime_now}. */
    public RenderOptions clock(Clock value) {
        return new RenderOptions(addGenerationPrompt, builtinTools, toolsInUserMessage, dateFromClock, dateString, value,
                bosToken, variables, markupVariables);
    }

    /** Overrides the template's {@code bos_token} (normally the tokenizer's, {@code <|begin_of_text|>}). */
    public RenderOptions bosToken(String value) {
        return new RenderOptions(addGenerationPrompt, builtinTools, toolsInUserMessage, dateFromClock, dateString, clock,
                value, variables, markupVariables);
    }

    /** Another template variable (a chat_template_kwargs entry); its text counts as untrusted data. */
    public RenderOptions variable(String name, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(variables);
        copy.put(name, value);
        return new RenderOptions(addGenerationPrompt, builtinTools, toolsInUserMessage, dateFromClock, dateString, clock,
                bosToken, Collections.unmodifiableMap(copy), markupVariables);
    }

    /**
     * A template variable whose text is trusted markup, like {@code bos_token}: special tokens in it
     * are encoded as special tokens. Only for text that the operator, not the user, controls.
     */
    public RenderOptions markupVariable(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(markupVariables);
        copy.put(name, value);
        return new RenderOptions(addGenerationPrompt, builtinTools, toolsInUserMessage, dateFromClock, dateString, clock,
                bosToken, variables, Collections.unmodifiableMap(copy));
    }

    public boolean addGenerationPrompt() {
        return addGenerationPrompt;
    }

    public List<String> builtinTools() {
        return builtinTools;
    }

    public Boolean toolsInUserMessage() {
        return toolsInUserMessage;
    }

    /** The date_string to pass, or null to leave it unset. */
    public String resolvedDateString() {
        return dateFromClock ? LocalDate.now(clock).format(DATE) : dateString;
    }

    public Clock clock() {
        return clock;
    }

    /** Null when the template's configured bos_token applies. */
    public String bosToken() {
        return bosToken;
    }

    public Map<String, Object> variables() {
        return variables;
    }

    public Map<String, String> markupVariables() {
        return markupVariables;
    }
}
