package dev.llama3j.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The rendered prompts must be byte-identical to Hugging Face's: the 10 {@code chat_template}
 * goldens (against their {@code text}) and the 18 {@code chat_model} probes (against their
 * {@code prompt_ids}, decoded).
 */
class ChatTemplateGoldenTest {
    private static final List<String> SPECIAL_TEXTS = List.of("<|begin_of_text|>", "<|end_of_text|>",
            "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>");

    /** The model's own template (tokenizer_config.json of the fixtures) and the built-in copy. */
    private static List<ChatTemplate> templates() {
        return List.of(ChatTemplate.fromTokenizerDir(Fixtures.tokenizerDir()), ChatTemplate.llama31());
    }

    /** Options as Hugging Face was called: kwargs as given, and no date_string unless given. */
    static RenderOptions options(Map<String, Object> kwargs, boolean addGenerationPrompt) {
        RenderOptions o = RenderOptions.defaults().addGenerationPrompt(addGenerationPrompt).dateString(null);
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            o = switch (e.getKey()) {
                case "date_string" -> o.dateString((String) e.getValue());
                case "builtin_tools" -> o.builtinTools(Json.asArray(e.getValue(), "builtin_tools").stream().map(String.class::cast).toList());
                case "tools_in_user_message" -> o.toolsInUserMessage((Boolean) e.getValue());
                default -> o.variable(e.getKey(), e.getValue());
            };
        }
        return o;
    }

    static List<Tool> tools(Object json) {
        List<Tool> tools = new ArrayList<>();
        if (json != null) {
            Json.asArray(json, "tools").forEach(t -> tools.add(Tool.fromJson(t)));
        }
        return tools;
    }

    @TestFactory
    Stream<DynamicTest> chatTemplateGoldensAreByteIdentical() {
        List<Map<String, Object>> goldens = Fixtures.goldenList("chat_template");
        assertEquals(10, goldens.size());
        return goldens.stream().map(g -> DynamicTest.dynamicTest((String) g.get("name"), () -> {
            List<Message> messages = Message.listFromJson(g.get("messages"));
            RenderOptions o = options(Json.asObject(g.get("kwargs"), "kwargs"), (Boolean) g.get("add_generation_prompt"));
            for (ChatTemplate t : templates()) {
                RenderedPrompt p = t.render(messages, tools(g.get("tools")), o);
                assertEquals(g.get("text"), p.text());
                assertSpecialTokensTrustedExceptInContent(p, messages, Fixtures.ints(g.get("ids")));
            }
            // The decoder used for the probes agrees with the goldens' ids.
            assertEquals(g.get("text"), IdsToText.decode(Fixtures.ints(g.get("ids"))));
        }));
    }

    @TestFactory
    Stream<DynamicTest> chatModelProbePromptsAreByteIdentical() {
        List<Object> probes = Json.asArray(Json.asObject(Fixtures.goldens().get("chat_model"), "chat_model").get("probes"), "probes");
        assertEquals(18, probes.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < probes.size(); i++) {
            Map<String, Object> p = Json.asObject(probes.get(i), "probe");
            List<Message> messages = Message.listFromJson(p.get("messages"));
            String last = String.valueOf(messages.getLast().content());
            tests.add(DynamicTest.dynamicTest("probe " + i + ": " + last.substring(0, Math.min(40, last.length())), () -> {
                RenderedPrompt prompt = ChatTemplate.llama31().render(messages, tools(p.get("tools")),
                        options(Json.asObject(p.get("kwargs"), "kwargs"), true));
                assertEquals(IdsToText.decode(Fixtures.ints(p.get("prompt_ids"))), prompt.text());
            }));
        }
        return tests.stream();
    }

    /**
     * Every special token of the golden ids comes from the template, except those a user typed:
     * those must be plain text for us (Hugging Face, which the goldens come from, parses them).
     */
    private static void assertSpecialTokensTrustedExceptInContent(RenderedPrompt p, List<Message> messages, int[] ids) {
        long specialIds = java.util.Arrays.stream(ids).filter(id -> id >= 128000).count();
        long typed = 0;
        for (Message m : messages) {
            if (m.content() instanceof String s) {
                typed += SPECIAL_TEXTS.stream().mapToLong(sp -> count(s, sp)).sum();
            }
        }
        IntPredicate allowed = p.specialAllowedAt();
        long allowedSpecials = 0;
        for (String sp : SPECIAL_TEXTS) {
            for (int at = p.text().indexOf(sp); at >= 0; at = p.text().indexOf(sp, at + 1)) {
                if (allowed.test(at)) {
                    allowedSpecials++;
                }
            }
        }
        assertEquals(specialIds - typed, allowedSpecials, "special tokens recognised at trusted positions");
    }

    private static long count(String s, String sub) {
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void builtInTemplateIsTheFixtureTemplate() {
        assertEquals(ChatTemplate.fromTokenizerDir(Fixtures.tokenizerDir()).source(), ChatTemplate.llama31().source());
        assertTrue(ChatTemplate.llama31().isBuiltIn());
    }
}
