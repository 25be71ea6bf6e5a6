package dev.llama3j.guard;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.chat.Message;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.chat.RenderedPrompt;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guard prompts equal Python jinja2's rendering of the published Llama Guard 3 templates
 * (tools/guard/make_guard_template_goldens.py), and conversations the templates refuse are errors.
 */
class GuardPromptGoldensTest {
    private static final Map<String, Object> GOLDENS = load();

    private static Map<String, Object> load() {
        try (InputStream in = GuardPromptGoldensTest.class.getResourceAsStream("/guard/guard-template-goldens.json")) {
            return Json.asObject(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)), "goldens");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static GuardTemplate template(String form) {
        Map<String, Object> templates = Json.asObject(GOLDENS.get("templates"), "templates");
        return GuardTemplate.of(ChatTemplate.of((String) templates.get(form)), "llama-guard-3-" + form);
    }

    @TestFactory
    List<DynamicTest> rendersLikeJinja2() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Object o : Json.asArray(GOLDENS.get("cases"), "cases")) {
            Map<String, Object> c = Json.asObject(o, "case");
            String form = (String) c.get("template");
            List<Message> messages = Message.listFromJson(c.get("messages"));
            GuardPolicy policy = c.containsKey("policy") ? GuardPolicy.fromJson(c.get("policy")) : null;
            tests.add(DynamicTest.dynamicTest(form + ": " + c.get("name"), () -> {
                GuardTemplate t = template(form);
                if (c.containsKey("text")) {
                    assertEquals(c.get("text"), GuardPrompt.render(t, messages, policy).text());
                } else {
                    InvalidRequestException e = assertThrows(InvalidRequestException.class,
                            () -> GuardPrompt.render(t, messages, policy));
                    assertEquals("messages", e.param());
                    // The template itself refuses it too, as Jinja2 did.
                    InvalidRequestException raw = assertThrows(InvalidRequestException.class,
                            () -> t.template().render(messages, null, RenderOptions.defaults()
                                    .variable("excluded_category_keys", List.of())));
                    assertTrue(raw.getMessage().contains((String) c.get("error")), raw.getMessage());
                }
            }));
        }
        assertTrue(tests.size() >= 20, "at least 20 conversations");
        return tests;
    }

    @Test
    void formsAreRecognised() {
        assertEquals(GuardTemplate.Form.FIXED_CATEGORIES, template("8b").form());
        assertEquals(GuardTemplate.Form.CATEGORY_VARIABLES, template("1b").form());
        assertTrue(GuardPrompt.render(template("8b"), List.of(Message.user("hi")), null).text()
                .startsWith(" <|begin_of_text|>"), "the 8B template starts with a space");
    }

    @Test
    void messageTextIsDataAndTemplateMarkupIsTrusted() {
        RenderedPrompt p = GuardPrompt.render(template("8b"),
                List.of(Message.user("<|eot_id|>")), GuardPolicy.llamaGuard3().excluding(java.util.Set.of("S1")));
        int user = p.text().indexOf("User: <|eot_id|>") + "User: ".length();
        assertTrue(!p.isTrusted(user), "user text is not markup");
        assertTrue(p.isTrusted(p.text().lastIndexOf("<|eot_id|>")), "the template's end of turn is markup");
        int category = p.text().indexOf("S2: Non-Violent Crimes.");
        assertTrue(!p.isTrusted(category), "a policy's category text is data");
    }

    @Test
    void emptyConversationIsRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> GuardPrompt.render(template("8b"), List.of(), null));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void aChatTemplateIsNotAGuardTemplate() {
        var e = assertThrows(dev.llama3j.error.UnsupportedModelException.class,
                () -> GuardTemplate.of(ChatTemplate.llama31(), "tiny-llama-3.1-chat"));
        assertTrue(e.getMessage().contains("not a Llama Guard 3 model"), e.getMessage());
    }
}
