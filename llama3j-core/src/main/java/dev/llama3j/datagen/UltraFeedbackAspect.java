package dev.llama3j.datagen;

import dev.llama3j.error.InvalidRequestException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What an UltraFeedback judge rates, as distilabel names it. The four aspects of the UltraFeedback
 * paper plus Argilla's {@code overall-rating}; helpfulness and truthfulness also ask for a "Type"
 * (informativeness / hallucination type) per text.
 */
public enum UltraFeedbackAspect {
    OVERALL_RATING("overall-rating", false),
    INSTRUCTION_FOLLOWING("instruction-following", false),
    HELPFULNESS("helpfulness", true),
    HONESTY("honesty", false),
    TRUTHFULNESS("truthfulness", true);

    private final String wireName;
    private final boolean hasTypes;

    UltraFeedbackAspect(String wireName, boolean hasTypes) {
        this.wireName = wireName;
        this.hasTypes = hasTypes;
    }

    /** The name distilabel and {@code --aspect} use, e.g. {@code overall-rating}. */
    public String wireName() {
        return wireName;
    }

    /** Whether the judge writes {@code Type:} and a second rationale per text (helpfulness, truthfulness). */
    public boolean hasTypes() {
        return hasTypes;
    }

    public static UltraFeedbackAspect parse(String name) {
        for (UltraFeedbackAspect a : values()) {
            if (a.wireName.equals(name)) {
                return a;
            }
        }
        throw new InvalidRequestException("unknown UltraFeedback aspect '" + name + "'; expected one of "
                + Arrays.stream(values()).map(UltraFeedbackAspect::wireName).collect(Collectors.joining(", ")),
                "aspect");
    }
}
