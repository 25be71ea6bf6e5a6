package dev.llama3j.chat.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llama3j.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Differential test against real Jinja2: {@code jinja-cases.json} holds template snippets with the
 * output Jinja2 3.1 gives in Hugging Face's chat-template environment (or the fact that it fails),
 * made by {@code make_jinja_cases.py} beside it. Each must render identically here, or fail here too.
 */
class JinjaConformanceTest {

    @TestFactory
    Stream<DynamicTest> rendersLikeJinja2() throws IOException {
        Map<String, Object> doc;
        try (InputStream in = getClass().getResourceAsStream("jinja-cases.json")) {
            doc = Json.asObject(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)), "jinja-cases.json");
        }
        Map<String, Object> vars = new HashMap<>(Json.asObject(doc.get("vars"), "vars"));
        Clock clock = Clock.fixed(LocalDateTime.of(2026, 11, 26, 9, 5, 7).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        vars.put("strftime_now", Template.strftimeNow(clock));
        List<Object> cases = Json.asArray(doc.get("cases"), "cases");
        return cases.stream().map(o -> {
            Map<String, Object> c = Json.asObject(o, "case");
            String template = (String) c.get("template");
            String name = template.length() > 70 ? template.substring(0, 70) + "…" : template;
            return DynamicTest.dynamicTest(name.replace("\n", "\\n"), () -> {
                if (c.containsKey("error")) {
                    assertThrows(TemplateException.class, () -> Template.parse(template).render(vars),
                            "Jinja2 fails with " + c.get("error"));
                } else {
                    assertEquals(c.get("expected"), Template.parse(template).render(vars), template);
                }
            });
        });
    }
}
