package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.chat.Message;
import dev.llama3j.chat.Role;
import dev.llama3j.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The judge prompts equal distilabel's templates rendered by Jinja2, byte for byte, and the answer
 * parsing gives distilabel's columns; goldens from tools/datagen/make_ultrafeedback_goldens.py.
 */
class UltraFeedbackGoldenTest {
    private static final Map<String, Object> GOLDENS = load();

    private static Map<String, Object> load() {
        try (InputStream in = UltraFeedbackGoldenTest.class.getResourceAsStream("ultrafeedback-goldens.json")) {
            return Json.asObject(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)), "goldens");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void promptsEqualJinja2RenderingOfDistilabelTemplates() {
        List<Object> prompts = Json.asArray(GOLDENS.get("prompts"), "prompts");
        assertEquals(30, prompts.size(), "six rows for each of five aspects");
        for (Object p : prompts) {
            Map<String, Object> c = Json.asObject(p, "prompt");
            UltraFeedback task = new UltraFeedback(UltraFeedbackAspect.parse((String) c.get("aspect")));
            List<String> generations = strings(c.get("generations"));
            String instruction = (String) c.get("instruction");
            List<Message> messages = task.messages(instruction, generations);
            String what = c.get("aspect") + " / " + instruction;
            assertEquals(Role.SYSTEM, messages.get(0).role());
            assertEquals(c.get("system"), messages.get(0).content(), what);
            assertEquals(Role.USER, messages.get(1).role());
            assertEquals(c.get("user"), messages.get(1).content(), what);
        }
    }

    @Test
    void parsingEqualsDistilabelFormatOutput() {
        List<Object> parses = Json.asArray(GOLDENS.get("parses"), "parses");
        assertTrue(parses.size() >= 100);
        for (Object p : parses) {
            Map<String, Object> c = Json.asObject(p, "parse");
            UltraFeedbackAspect aspect = UltraFeedbackAspect.parse((String) c.get("aspect"));
            String output = (String) c.get("output");
            Judgement j = new UltraFeedback(aspect).parse(output, ((Number) c.get("texts")).intValue());
            String what = aspect.wireName() + " / " + output;
            if (c.get("expected") == null) {
                assertNull(j.ratings(), what);
                assertNull(j.rationales(), what);
                assertNull(j.types(), what);
                assertNull(j.rationalesForRatings(), what);
                assertTrue(j.failure() != null, what);
                continue;
            }
            Map<String, Object> e = Json.asObject(c.get("expected"), "expected");
            assertNull(j.failure(), what);
            assertEquals(numbers(e.get("ratings")), j.ratings(), what);
            assertEquals(e.get("rationales"), j.rationales(), what);
            if (aspect.hasTypes()) {
                assertEquals(numbers(e.get("types")), j.types(), what);
                assertEquals(e.get("rationales-for-ratings"), j.rationalesForRatings(), what);
            } else {
                assertNull(j.types(), what);
                assertNull(j.rationalesForRatings(), what);
            }
        }
    }

    private static List<String> strings(Object json) {
        List<String> out = new ArrayList<>();
        for (Object o : Json.asArray(json, "strings")) {
            out.add((String) o);
        }
        return out;
    }

    private static List<BigInteger> numbers(Object json) {
        List<BigInteger> out = new ArrayList<>();
        for (Object o : Json.asArray(json, "numbers")) {
            out.add(switch (o) {
                case null -> null;
                case BigDecimal d -> d.toBigIntegerExact();
                case Number n -> BigInteger.valueOf(n.longValue());
                default -> throw new IllegalStateException("not a number: " + o);
            });
        }
        return out;
    }
}
