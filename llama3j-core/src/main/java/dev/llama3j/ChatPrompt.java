package dev.llama3j;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.chat.Llama3Tokens;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.chat.RenderedPrompt;
import dev.llama3j.chat.ToolChoice;
import dev.llama3j.chat.jinja.TemplateException;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * A chat request's prompt as the model sees it: the conversation rendered with the chat template,
 * tokenized so that only the template's markup becomes control tokens.
 *
 * <p>{@code tool_choice} required or named with custom tools is honoured by a grammar
 * ({@link ToolCallGrammar}: the whole JSON call, arguments valid against the tool's schema). Built-in
 * tools are called in Python syntax, so for them the assistant's answer starts with the beginning of a
 * call ({@code <|python_tag|>} or {@code <|python_tag|>brave_search.call}). That start is the
 * {@link #outputPrefix}; the tool-call parser reads it before the generated text ({@link ChatOutput}).
 *
 * @param ids prompt token ids
 * @param outputPrefix text the prompt already puts at the start of the answer, or ""
 */
public record ChatPrompt(int[] ids, String outputPrefix) {

    /**
     * @throws InvalidRequestException when the template refuses the conversation (param
     *     {@code messages}) or {@code tool_choice} names no tool of the request
     */
    public static ChatPrompt render(ChatTemplate template, Tokenizer tokenizer, ChatRequest r) {
        checkToolChoice(r);
        boolean tools = r.toolChoice().mode() != ToolChoice.Mode.NONE;
        RenderOptions o = r.options();
        if (tools && !r.builtinTools().isEmpty() && o.builtinTools() == null) {
            o = o.builtinTools(r.builtinTools());
        }
        RenderedPrompt p;
        try {
            p = template.render(r.messages(), tools ? r.tools() : null, o);
        } catch (InvalidRequestException e) {
            throw e.param() != null ? e : new InvalidRequestException(e.getMessage(), "messages");
        } catch (TemplateException e) {
            throw new InvalidRequestException("The chat template could not render this conversation: "
                    + e.getMessage(), "messages");
        }
        String prefix = outputPrefix(tokenizer, r);
        if (prefix.isEmpty()) {
            return new ChatPrompt(tokenizer.encode(p.text(), p.specialAllowedAt()), "");
        }
        String text = p.text() + prefix;
        BitSet trusted = p.trustedChars();
        // The python tag is markup (a special token); the rest of a forced start is plain text.
        if (prefix.startsWith(Llama3Tokens.PYTHON_TAG_TEXT)) {
            trusted.set(p.text().length(), p.text().length() + Llama3Tokens.PYTHON_TAG_TEXT.length());
        }
        RenderedPrompt full = new RenderedPrompt(text, trusted);
        return new ChatPrompt(tokenizer.encode(full.text(), full.specialAllowedAt()), prefix);
    }

    private static void checkToolChoice(ChatRequest r) {
        ToolChoice c = r.toolChoice();
        if (c.forcesCall() && r.tools().isEmpty() && r.builtinTools().isEmpty()) {
            throw new InvalidRequestException("'tool_choice' asks for a tool call but no tools are given",
                    "tool_choice");
        }
        if (c.mode() == ToolChoice.Mode.NAMED && !r.builtinTools().contains(c.name())
                && r.tools().stream().noneMatch(t -> t.name().equals(c.name()))) {
            throw new InvalidRequestException("'tool_choice' names the function '" + c.name()
                    + "', which is not in 'tools'", "tool_choice");
        }
    }

    private static String outputPrefix(Tokenizer tokenizer, ChatRequest r) {
        ToolChoice c = r.toolChoice();
        if (ToolCallGrammar.applies(r)) {
            return ""; // the call grammar makes the whole call, its arguments included
        }
        if (c.mode() == ToolChoice.Mode.NAMED) {
            // Token-aligned: "(" would cut the "(query" token the model was trained on.
            return Llama3Tokens.PYTHON_TAG_TEXT + tokenAligned(tokenizer, c.name() + ".call(");
        }
        if (c.mode() == ToolChoice.Mode.REQUIRED && r.tools().isEmpty()) {
            return Llama3Tokens.PYTHON_TAG_TEXT;
        }
        return "";
    }

    /**
     * {@code text} without its last token. A forced start must end where the model's own tokens
     * would: its last token could merge with what follows ({@code " {"} is one token, and so is
     * {@code ",}), and a prompt that cuts such a token throws the model off.
     */
    private static String tokenAligned(Tokenizer tokenizer, String text) {
        int[] ids = tokenizer.encode(text, false);
        return tokenizer.decode(Arrays.copyOf(ids, ids.length - 1));
    }
}
