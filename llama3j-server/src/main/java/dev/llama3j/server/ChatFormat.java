package dev.llama3j.server;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.Llama;
import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.chat.Llama3Tokens;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.chat.RenderedPrompt;
import dev.llama3j.chat.StreamingToolCallParser;
import dev.llama3j.chat.ToolCallParser;
import dev.llama3j.chat.jinja.TemplateException;
import dev.llama3j.tokenizer.Tokenizer;
import java.util.BitSet;

/**
 * The model's chat format as the chat endpoint uses it: the conversation rendered with the model's
 * chat template (markup as special tokens, message text as plain text), and the output read back
 * with the chat package's streaming tool-call parser.
 *
 * <p>{@code tool_choice} {@code required} or a named function is honoured by starting the
 * assistant's answer with the beginning of a call ({@code {"name": "f", "parameters":} or
 * {@code <|python_tag|>}): without constrained decoding this is the surest way to get a call, and
 * the parser sees that prefix before the generated text.
 */
final class ChatFormat {
    /**
     * @param ids prompt token ids
     * @param outputPrefix text the prompt already puts at the start of the answer, or ""
     */
    record Rendered(int[] ids, String outputPrefix) {}

    private final ChatTemplate template;
    private final Tokenizer tokenizer;

    ChatFormat(ChatTemplate template, Tokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
    }

    /** The model's own template (or the built-in Llama 3.1 one when it ships none). */
    static ChatFormat of(Llama llama) {
        return new ChatFormat(llama.chatTemplate(), llama.tokenizer());
    }

    Rendered render(ChatRequest r) {
        boolean tools = r.toolChoice != ChatRequest.ToolChoice.NONE;
        // Like Hugging Face and vLLM, leave date_string to the template unless the client sets it:
        // the same conversation then renders the same on every day (and reuses the prefix cache).
        RenderOptions o = RenderOptions.defaults().dateString(null);
        if (tools && r.builtinTools != null) {
            o = o.builtinTools(r.builtinTools);
        }
        for (var e : r.templateKwargs.entrySet()) {
            o = switch (e.getKey()) {
                case "date_string" -> o.dateString((String) e.getValue());
                case "tools_in_user_message" -> o.toolsInUserMessage((Boolean) e.getValue());
                default -> o.variable(e.getKey(), e.getValue());
            };
        }
        RenderedPrompt p;
        try {
            p = template.render(r.messages, tools ? r.tools : null, o);
        } catch (InvalidRequestException e) {
            throw OpenAiError.invalid(e.getMessage(), e.param() != null ? e.param() : "messages");
        } catch (TemplateException e) {
            throw OpenAiError.invalid("The chat template could not render this conversation: " + e.getMessage(),
                    "messages");
        }
        String text = p.text();
        BitSet trusted = (BitSet) p.trustedChars().clone();
        String prefix = outputPrefix(r);
        if (!prefix.isEmpty()) {
            // The python tag is markup (a special token); the rest of a forced start is plain text.
            if (prefix.startsWith(Llama3Tokens.PYTHON_TAG_TEXT)) {
                trusted.set(text.length(), text.length() + Llama3Tokens.PYTHON_TAG_TEXT.length());
            }
            text += prefix;
        }
        RenderedPrompt full = new RenderedPrompt(text, trusted);
        return new Rendered(tokenizer.encode(full.text(), full.specialAllowedAt()), prefix);
    }

    private String outputPrefix(ChatRequest r) {
        if (r.toolChoice == ChatRequest.ToolChoice.NAMED) {
            if (r.builtinTools != null && r.builtinTools.contains(r.toolChoiceName)) {
                return Llama3Tokens.PYTHON_TAG_TEXT + r.toolChoiceName + ".call(";
            }
            return tokenAligned("{\"name\": \"" + r.toolChoiceName + "\", \"parameters\": {\"");
        }
        if (r.toolChoice == ChatRequest.ToolChoice.REQUIRED) {
            if (r.tools == null) {
                return Llama3Tokens.PYTHON_TAG_TEXT;
            }
            if (r.builtinTools == null) {
                return tokenAligned("{\"name\": \"");
            }
        }
        return "";
    }

    /**
     * {@code text} without its last token. A forced start must end where the model's own tokens
     * would: its last token could merge with what follows ({@code " {"} is one token, and so is
     * {@code ",}), and a prompt that cuts such a token throws the model off.
     */
    private String tokenAligned(String text) {
        int[] ids = tokenizer.encode(text, false);
        return tokenizer.decode(java.util.Arrays.copyOf(ids, ids.length - 1));
    }

    /** A parser for one assistant message, or null when the output is not to be read for tool calls. */
    StreamingToolCallParser parser(ChatRequest r) {
        if (!r.toolsEnabled()) {
            return null;
        }
        return ToolCallParser.forRequest(r.tools, r.builtinTools).streaming();
    }
}
