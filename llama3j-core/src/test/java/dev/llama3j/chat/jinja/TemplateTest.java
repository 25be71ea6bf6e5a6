package dev.llama3j.chat.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.Llama3jException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Behaviour beyond plain Jinja2 parity (see {@link JinjaConformanceTest}): error messages, trust marks, HF extras. */
class TemplateTest {

    private static String render(String template, Map<String, ?> vars) {
        return Template.parse(template, "test template").render(vars);
    }

    private static TemplateException failure(String template, Map<String, ?> vars) {
        return assertThrows(TemplateException.class, () -> Template.parse(template, "test template").render(vars));
    }

    @Test
    void unknownFilterIsReportedWithItsLineAtParseTime() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> Template.parse("line one\n{{ 'x' | upper }}\n{{ name | shout }}", "chat template"));
        assertEquals(3, e.line());
        assertEquals("chat template, line 3: no filter named 'shout'", e.getMessage());
        assertTrue(e instanceof Llama3jException);
    }

    @Test
    void syntaxErrorsNameTheLine() {
        TemplateException e = failure("ok\n\n{% if x == %}y{% endif %}", Map.of());
        assertEquals(3, e.line());
        assertTrue(e.getMessage().startsWith("test template, line 3: "), e.getMessage());

        TemplateException unclosed = failure("a\n{% for m in messages %}\n{{ m }}\n", Map.of());
        assertEquals(2, unclosed.line());
        assertTrue(unclosed.getMessage().contains("'{% endfor %}'"), unclosed.getMessage());

        TemplateException unknownTag = failure("{% frobnicate %}", Map.of());
        assertTrue(unknownTag.getMessage().contains("unknown tag 'frobnicate'"), unknownTag.getMessage());

        TemplateException stray = failure("x\n{% endif %}", Map.of());
        assertEquals(2, stray.line());
    }

    @Test
    void runtimeErrorsNameTheLineAndWhatWasUndefined() {
        TemplateException e = failure("first\n{% for m in messages %}\n{{ m.content.text.more }}\n{% endfor %}",
                Map.of("messages", List.of(Map.of("content", "hi"))));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("'str object' has no attribute 'text'"), e.getMessage());

        TemplateException typeError = failure("{{ 'n=' + n }}", Map.of("n", 3L));
        assertEquals("test template, line 1: can only concatenate str (not \"int\") to str", typeError.getMessage());
    }

    @Test
    void raiseExceptionIsItsOwnTypeWithTheTemplatesMessage() {
        TemplateRaisedException e = assertThrows(TemplateRaisedException.class,
                () -> render("x\n{{ raise_exception('Only one tool call!') }}", Map.of()));
        assertEquals("Only one tool call!", e.detail());
        assertEquals(2, e.line());
    }

    @Test
    void undefinedBehavesLikeJinjasDefault() {
        Map<String, Object> vars = Map.of("d", Map.of("a", 1L));
        assertEquals("", render("{{ missing }}{{ d.b }}{{ d['b'] }}", vars));
        assertEquals("False False 0 x", render("{{ missing is defined }} {{ d.b is defined }} {{ missing | length }} {{ missing | default('x') }}", vars));
        assertEquals("", render("{% for x in missing %}never{% endfor %}", vars));
        assertTrue(failure("{{ missing.attr }}", vars).getMessage().contains("'missing' is undefined"));
        assertTrue(failure("{{ d.b.c }}", vars).getMessage().contains("'dict object' has no attribute 'b'"));
    }

    @Test
    void generationTagAndLoopControlsAreAccepted() {
        assertEquals("a1", render("{% generation %}a{% endgeneration %}{% for i in [1, 2] %}{{ i }}{% break %}{% endfor %}", Map.of()));
    }

    @Test
    void strftimeNowUsesTheGivenClock() {
        Clock clock = Clock.fixed(Instant.parse("2024-07-05T10:00:00Z"), ZoneOffset.UTC);
        Map<String, Object> vars = new HashMap<>();
        vars.put("strftime_now", Template.strftimeNow(clock));
        assertEquals("05 Jul 2024|Friday 5 July", render("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %-d %B') }}", vars));
        // The default global reads the system clock: just check the shape.
        assertTrue(render("{{ strftime_now('%d %b %Y') }}", Map.of()).matches("\\d\\d [A-Z][a-z]{2} \\d{4}"));
    }

    @Test
    void pythonStrOfValues() {
        Map<String, Object> vars = new HashMap<>();
        vars.put("none", null);
        vars.put("list", List.of("it's", 1L, 2.0, true));
        vars.put("map", Map.of("k", "v"));
        assertEquals("None [\"it's\", 1, 2.0, True] {'k': 'v'}", render("{{ none }} {{ list }} {{ map }}", vars));
    }

    // ---- trust marks ----

    private static String marks(MarkedString s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            sb.append(s.isTrusted(i) ? 'T' : '.');
        }
        return sb.toString();
    }

    @Test
    void templateTextAndLiteralsAreTrustedDataIsNot() {
        Map<String, Object> vars = Map.of("user", "<|eot_id|>", "bos", MarkedString.trusted("<B>"));
        MarkedString out = Template.parse("{{ bos }}[{{ '<H>' + user + '<E>' }}]{{ user | trim }}").renderMarked(vars);
        assertEquals("<B>[<H><|eot_id|><E>]<|eot_id|>", out.text());
        assertEquals("TTTTTTT..........TTTT..........", marks(out));
    }

    @Test
    void marksSurviveStringOperations() {
        Map<String, Object> vars = Map.of("names", List.of("a", "b"), "s", "  data  ");
        MarkedString joined = Template.parse("{{ names | join(', ') }}").renderMarked(vars);
        assertEquals("a, b", joined.text());
        assertEquals(".TT.", marks(joined));

        MarkedString sliced = Template.parse("{{ ('<x>' ~ s)[1:5] }}|{{ (s ~ '<y>') | trim }}").renderMarked(vars);
        assertEquals("x>  |data  <y>", sliced.text());
        assertEquals("TT..T......TTT", marks(sliced));

        MarkedString replaced = Template.parse("{{ s.replace('data', '<d>') }}").renderMarked(vars);
        assertEquals("  <d>  ", replaced.text());
        assertEquals("..TTT..", marks(replaced));

        MarkedString number = Template.parse("{{ 42 }}{{ none }}").renderMarked(vars);
        assertEquals("......", marks(number)); // "42None": non-strings are data
    }

    @Test
    void tojsonOfDataIsUntrusted() {
        MarkedString out = Template.parse("{{ {'role': '<|x|>'} | tojson }}").renderMarked(Map.of());
        assertFalse(out.hasTrustedChars());
    }

    @Test
    void renderingIsThreadSafe() throws Exception {
        Template t = Template.parse("{% set ns = namespace(n=0) %}{% for i in range(200) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}");
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.ConcurrentLinkedQueue<String> results = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int i = 0; i < 8; i++) {
            Thread th = new Thread(() -> results.add(t.render(Map.of())));
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(8, results.size());
        results.forEach(r -> assertEquals("19900", r));
    }
}
