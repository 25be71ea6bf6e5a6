package dev.llama3j.datagen;

import dev.llama3j.chat.Message;
import java.util.List;

/**
 * The UltraFeedback judge task as distilabel writes it: for an instruction and its generations, the
 * messages to send the judge (distilabel's system prompt with the number of texts, then the aspect's
 * template as the user message), and the reading of the judge's answer.
 *
 * <p>distilabel 1.4–1.5 sends the system prompt with role {@code system}, as here; its later
 * development branch sends the same text as a first {@code user} message when the row has no
 * {@code system_prompt} column. The rendered texts are identical either way.
 */
public final class UltraFeedback {
    /** distilabel's {@code _system_prompt}; {@code {no_texts}} is the number of generations. */
    private static final String SYSTEM_PROMPT = """
            Your role is to evaluate text quality based on given criteria.
            You'll receive an instructional description ("Instruction") and {no_texts} text outputs ("Text").
            Understand and interpret instructions to evaluate effectively.
            Provide annotations for each text with a rating and rationale.
            The {no_texts} texts given are independent, and should be evaluated separately.
            """;

    private final UltraFeedbackAspect aspect;
    private final UltraFeedbackTemplate template;

    public UltraFeedback(UltraFeedbackAspect aspect) {
        this.aspect = aspect;
        this.template = UltraFeedbackTemplate.forAspect(aspect);
    }

    public UltraFeedbackAspect aspect() {
        return aspect;
    }

    /** The system prompt for {@code texts} generations. */
    public static String systemPrompt(int texts) {
        return SYSTEM_PROMPT.replace("{no_texts}", Integer.toString(texts));
    }

    /** The user message: the aspect's template rendered for this instruction and these generations. */
    public String userPrompt(String instruction, List<String> generations) {
        return template.render(instruction, generations);
    }

    /** The judge's conversation: system prompt, then the rendered template. */
    public List<Message> messages(String instruction, List<String> generations) {
        return List.of(Message.system(systemPrompt(generations.size())),
                Message.user(userPrompt(instruction, generations)));
    }

    /** Reads a judge's answer (null: none) for {@code texts} generations, as distilabel does. */
    public Judgement parse(String output, int texts) {
        return UltraFeedbackParser.parse(aspect, output, texts);
    }
}
