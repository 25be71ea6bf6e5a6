package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.ModelFormatException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The template interpreter's whitespace rules (expected texts from Python jinja2 3.1), and the constructs it refuses. */
class UltraFeedbackTemplateTest {
    @Test
    void jinja2DefaultWhitespaceRules() {
        UltraFeedbackTemplate t = UltraFeedbackTemplate.parse(
                "I: {{ instruction }}\nT:\n{%- for generation in generations %}\n<{{ loop.index }}> {{ generation }}  \n"
                        + "{%- endfor %}\n{% for index in range(1, generations|length) -%}\n  [{{ index + 1}}]\n{% endfor %}\nend\n",
                "t");
        assertEquals("I: q\nT:\n<1> a \n\n<2> b\n[2]\n\nend", t.render("q", List.of("a \n", "b")));
        assertEquals("I: q\nT:\n\nend", t.render("q", List.of()));
    }

    @Test
    void unsupportedConstructsAreRefusedNamingThem() {
        assertError("{{ name }}", "unsupported expression '{{ name }}'");
        assertError("{% if x %}{% endif %}", "unsupported statement '{% if x %}'");
        assertError("{% for generation in generations %}x", "has no '{% endfor %}'");
        assertError("x{% endfor %}", "'{% endfor %}' without a loop");
        assertError("{{- instruction }}", "unsupported whitespace control");
    }

    private static void assertError(String source, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> UltraFeedbackTemplate.parse(source, "t"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("t: "), e.getMessage());
    }
}
