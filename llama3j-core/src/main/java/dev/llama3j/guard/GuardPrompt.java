package dev.llama3j.guard;

import dev.llama3j.chat.Message;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.chat.RenderedPrompt;
import dev.llama3j.chat.Role;
import dev.llama3j.error.InvalidRequestException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The prompt a Llama Guard 3 model judges a conversation from, rendered by the model's own chat
 * template so that it is byte for byte what Hugging Face's {@code apply_chat_template} gives.
 *
 * <p>The conversation alternates user and assistant messages, starting with the user; the last
 * message is judged ("User" for an odd number of messages, "Agent" for an even one). A policy (null:
 * the template's own categories) replaces the category list: through the {@code categories}
 * variable for the 1B form; for the 8B form, whose list is fixed in the template, by rewriting the
 * rendered list the way llama-recipes' {@code build_custom_prompt} writes one ({@code S1: Name.},
 * the definition on the lines below).
 */
public final class GuardPrompt {
    private GuardPrompt() {
    }

    /**
     * @throws InvalidRequestException (param {@code messages}) for an empty conversation, a role other
     *     than user/assistant, a message without text, or roles that do not alternate
     */
    public static RenderedPrompt render(GuardTemplate template, List<Message> conversation, GuardPolicy policy) {
        check(conversation);
        RenderOptions options = RenderOptions.defaults().dateString(null);
        if (template.form() == GuardTemplate.Form.CATEGORY_VARIABLES) {
            options = options.variable("messages", textPartMessages(conversation))
                    .variable("excluded_category_keys", List.of());
            if (policy != null) {
                Map<String, Object> categories = new LinkedHashMap<>();
                for (GuardCategory c : policy.categories()) {
                    categories.put(c.code(), describe(c));
                }
                options = options.variable("categories", categories);
            }
            return template.template().render(conversation, null, options);
        }
        RenderedPrompt prompt = template.template().render(conversation, null, options);
        return policy == null ? prompt : withCategories(prompt, policy);
    }

    private static void check(List<Message> conversation) {
        if (conversation == null || conversation.isEmpty()) {
            throw new InvalidRequestException("the conversation to judge is empty; give at least one user message",
                    "messages");
        }
        for (int i = 0; i < conversation.size(); i++) {
            Message m = conversation.get(i);
            Role expected = i % 2 == 0 ? Role.USER : Role.ASSISTANT;
            if (m.role() != Role.USER && m.role() != Role.ASSISTANT) {
                throw new InvalidRequestException("messages[" + i + "]: Llama Guard judges user and assistant messages only, not "
                        + m.role().wireName(), "messages");
            }
            if (m.text() == null) {
                throw new InvalidRequestException("messages[" + i + "]: Llama Guard judges text; this message has none",
                        "messages");
            }
            if (m.role() != expected) {
                throw new InvalidRequestException("messages[" + i + "] is " + m.role().wireName() + " but should be "
                        + expected.wireName() + ": conversation roles must alternate user/assistant/user/assistant/...",
                        "messages");
            }
        }
    }

    /** The 1B template reads each content as a list of typed parts. */
    private static List<Object> textPartMessages(List<Message> conversation) {
        List<Object> out = new ArrayList<>(conversation.size());
        for (Message m : conversation) {
            Map<String, Object> part = new LinkedHashMap<>();
            part.put("type", "text");
            part.put("text", m.text());
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role().wireName());
            map.put("content", List.of(part));
            out.add(map);
        }
        return out;
    }

    /** "Violent Crimes." and, for a custom category with a definition, the definition on the next line. */
    static String describe(GuardCategory c) {
        String name = c.name().endsWith(".") ? c.name() : c.name() + ".";
        return c.definition().isEmpty() ? name : name + "\n" + c.definition();
    }

    /** The rendered 8B prompt with its fixed list swapped for the policy's (policy text is data, not markup). */
    private static RenderedPrompt withCategories(RenderedPrompt prompt, GuardPolicy policy) {
        String text = prompt.text();
        int begin = text.indexOf(GuardTemplate.CATEGORIES_BEGIN + "\n");
        int end = begin < 0 ? -1 : text.indexOf(GuardTemplate.CATEGORIES_END, begin);
        if (begin < 0 || end < 0) {
            throw new InvalidRequestException("the guard template rendered no category list to replace", "categories");
        }
        int from = begin + GuardTemplate.CATEGORIES_BEGIN.length() + 1;
        StringBuilder list = new StringBuilder();
        for (GuardCategory c : policy.categories()) {
            list.append(c.code()).append(": ").append(describe(c)).append('\n');
        }
        String out = text.substring(0, from) + list + text.substring(end);
        BitSet trusted = prompt.trustedChars();
        BitSet shifted = new BitSet(out.length());
        for (int i = trusted.nextSetBit(0); i >= 0 && i < text.length(); i = trusted.nextSetBit(i + 1)) {
            if (i < from) {
                shifted.set(i);
            } else if (i >= end) {
                shifted.set(i - end + from + list.length());
            }
        }
        return new RenderedPrompt(out, shifted);
    }
}
