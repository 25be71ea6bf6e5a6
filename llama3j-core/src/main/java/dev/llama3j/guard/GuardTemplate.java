package dev.llama3j.guard;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.error.UnsupportedModelException;

/**
 * A Llama Guard 3 chat template, recognised by the text every published one contains, and which of
 * the two published forms it is:
 * <ul>
 *   <li>{@link Form#FIXED_CATEGORIES} (Llama-Guard-3-8B): the S1–S14 list is written into the
 *       template; message contents are strings, {@code strip()}ed; the prompt starts with a space
 *       before {@code <|begin_of_text|>}.</li>
 *   <li>{@link Form#CATEGORY_VARIABLES} (Llama-Guard-3-1B, and -11B-Vision): the template reads the
 *       {@code categories} mapping and {@code excluded_category_keys}, and message contents as lists of
 *       {@code {"type": "text", "text": ...}} parts.</li>
 * </ul>
 * A chat model's template is none of these, and a guard built on such a model would give verdicts
 * that mean nothing, so {@link #of} refuses it.
 */
public record GuardTemplate(ChatTemplate template, Form form) {
    public enum Form { FIXED_CATEGORIES, CATEGORY_VARIABLES }

    static final String CATEGORIES_BEGIN = "<BEGIN UNSAFE CONTENT CATEGORIES>";
    static final String CATEGORIES_END = "<END UNSAFE CONTENT CATEGORIES>";
    private static final String ASSESSMENT = "Provide your safety assessment for ONLY THE LAST";

    /**
     * @throws UnsupportedModelException when the template is not a Llama Guard 3 template (or the
     *     model has none, so that the built-in Llama 3.1 chat template would be used)
     */
    public static GuardTemplate of(ChatTemplate template, String modelName) {
        String source = template.source();
        if (template.isBuiltIn() || !source.contains(CATEGORIES_BEGIN) || !source.contains(CATEGORIES_END)
                || !source.contains(ASSESSMENT)) {
            throw new UnsupportedModelException(modelName + " is not a Llama Guard 3 model: its chat template"
                    + (template.isBuiltIn() ? " is missing (tokenizer_config.json has no chat_template)"
                    : " does not contain \"" + CATEGORIES_BEGIN + "\" and \"" + ASSESSMENT + "\"")
                    + "; load a Llama Guard 3 model (e.g. Llama-Guard-3-8B or -1B) whose folder carries its template");
        }
        Form form = source.contains("excluded_category_keys") ? Form.CATEGORY_VARIABLES : Form.FIXED_CATEGORIES;
        return new GuardTemplate(template, form);
    }
}
