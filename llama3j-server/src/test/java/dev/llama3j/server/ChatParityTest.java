package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llama3j.ChatRequest;
import dev.llama3j.ChatResponse;
import dev.llama3j.chat.Message;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.chat.Tool;
import dev.llama3j.chat.ToolCall;
import dev.llama3j.chat.ToolChoice;
import dev.llama3j.json.Json;
import dev.llama3j.sampling.SamplingParams;
import dev.llama3j.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One conversation, two ways in: the same OpenAI-shaped JSON sent to {@code /v1/chat/completions}
 * (with vLLM's {@code return_token_ids}) and read by the core's own JSON reader into
 * {@link ChatRequest} for {@code Llama.chat} must give the same prompt ids and the same greedy answer
 * (tokens, content, tool calls, finish reason). Conversations: the 10 chat-template goldens (whose
 * ids are also checked, but where OpenAI's shape differs or a message types special-token text), the 18 chat-model probes (also
 * checked against transformers' prompt ids and greedy tokens),
 * {@code tool_choice} required and named, and content given as arrays of text parts.
 */
class ChatParityTest {
    @AutoClose
    static final TestServer s = TestServer.start();
    /** Enough for the longest forced call of the demo model (about 30 tokens). */
    static final int MAX_TOKENS = 48;

    /** A case: the request body's conversation fields, and the golden prompt ids when there are some. */
    record Case(String name, Map<String, Object> body, int[] goldenIds, int[] goldenGreedy) {
        Case(String name, Map<String, Object> body, int[] goldenIds) {
            this(name, body, goldenIds, null);
        }
    }

    @TestFactory
    Stream<DynamicTest> httpAndJavaApiGiveTheSamePromptAndAnswer() {
        List<Case> cases = cases();
        assertEquals(35, cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    private static void check(Case c) {
        Map<String, Object> body = new LinkedHashMap<>(c.body());
        body.put("model", TestServer.MODEL);
        body.put("temperature", 0);
        body.put("max_tokens", MAX_TOKENS);
        body.put("return_token_ids", true);
        TestServer.Response r = s.post("/v1/chat/completions", Json.write(body));
        assertEquals(200, r.status(), r.body());
        JsonNode http = r.json();

        ChatRequest request = javaRequest(c.body());
        int[] javaPrompt = s.llama.prepareChat(request).prompt().ids();
        ChatResponse api = s.llama.chat(request);

        assertArrayEquals(javaPrompt, ints(http.get("prompt_token_ids")), "prompt ids");
        if (c.goldenIds() != null) {
            assertArrayEquals(c.goldenIds(), javaPrompt, "prompt ids against the Hugging Face golden");
        }
        if (c.goldenGreedy() != null) {
            // The golden may be cut at its own limit: compare what both have.
            int[] ours = api.generation().tokens();
            int n = Math.min(ours.length, c.goldenGreedy().length);
            assertArrayEquals(Arrays.copyOf(c.goldenGreedy(), n), Arrays.copyOf(ours, n),
                    "greedy ids against the transformers golden");
        }
        JsonNode choice = http.get("choices").get(0);
        assertArrayEquals(api.generation().tokens(), ints(choice.get("token_ids")), "generated ids");
        assertEquals(api.finishReason().wireName(), choice.get("finish_reason").asText(), "finish reason");
        JsonNode message = choice.get("message");
        assertEquals(api.message().content(), message.get("content").isNull() ? null : message.get("content").asText(),
                "content");
        List<ToolCall> calls = api.message().toolCalls();
        Object forced = c.body().get("tool_choice");
        if ("required".equals(forced) || forced instanceof Map) {
            assertTrue(!calls.isEmpty(), "a forced call: " + api.message());
        }
        JsonNode httpCalls = message.get("tool_calls");
        assertEquals(calls.size(), httpCalls == null ? 0 : httpCalls.size(), "tool calls");
        for (int i = 0; i < calls.size(); i++) {
            JsonNode f = httpCalls.get(i).get("function");
            assertEquals(calls.get(i).name(), f.get("name").asText());
            assertEquals(calls.get(i).argumentsJson(), f.get("arguments").asText());
        }
        assertEquals(javaPrompt.length, http.get("usage").get("prompt_tokens").asInt());
    }

    /**
     * What a Java program would write for the same body: the core's JSON reader for messages and
     * tools, built-in tools from {@code chat_template_kwargs}, the other kwargs as template variables.
     */
    private static ChatRequest javaRequest(Map<String, Object> body) {
        List<Message> messages = Message.listFromJson(body.get("messages"));
        List<Tool> tools = new ArrayList<>();
        List<String> builtins = new ArrayList<>();
        if (body.get("tools") != null) {
            for (Object t : Json.asArray(body.get("tools"), "tools")) {
                tools.add(Tool.fromJson(t));
            }
        }
        RenderOptions o = RenderOptions.defaults().dateString(null)
                .addGenerationPrompt(!Boolean.FALSE.equals(body.get("add_generation_prompt")));
        Object kwargs = body.get("chat_template_kwargs");
        if (kwargs != null) {
            for (Map.Entry<String, Object> e : Json.asObject(kwargs, "chat_template_kwargs").entrySet()) {
                switch (e.getKey()) {
                    case "builtin_tools" -> Json.asArray(e.getValue(), "builtin_tools").forEach(b -> builtins.add((String) b));
                    case "date_string" -> o = o.dateString((String) e.getValue());
                    case "tools_in_user_message" -> o = o.toolsInUserMessage((Boolean) e.getValue());
                    default -> o = o.variable(e.getKey(), e.getValue());
                }
            }
        }
        ToolChoice choice = ToolChoice.AUTO;
        Object tc = body.get("tool_choice");
        if ("required".equals(tc)) {
            choice = ToolChoice.REQUIRED;
        } else if ("none".equals(tc)) {
            choice = ToolChoice.NONE;
        } else if (tc instanceof Map<?, ?> m) {
            choice = ToolChoice.named((String) ((Map<?, ?>) m.get("function")).get("name"));
        }
        return ChatRequest.of(messages).withTools(tools).withBuiltinTools(builtins).withToolChoice(choice)
                .withOptions(o).withSampling(SamplingParams.greedy()).withMaxTokens(MAX_TOKENS);
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (Map<String, Object> g : Fixtures.goldenList("chat_template")) {
            Map<String, Object> body = conversation(g.get("messages"), g.get("tools"), g.get("kwargs"));
            if (Boolean.FALSE.equals(g.get("add_generation_prompt"))) {
                body.put("add_generation_prompt", false);
            }
            // Special-token text inside a message is plain text to llama3j (not a control token, as
            // it is in the golden's ids), so that conversation is checked HTTP against Java only.
            boolean sameAsGolden = !openAiReshaped(g) && !Json.write(g.get("messages")).contains("<|");
            cases.add(new Case("template " + g.get("name"), body, sameAsGolden ? Fixtures.ints(g.get("ids")) : null));
        }
        List<Object> probes = Json.asArray(Json.asObject(Fixtures.goldens().get("chat_model"), "chat_model").get("probes"),
                "probes");
        for (int i = 0; i < probes.size(); i++) {
            Map<String, Object> p = Json.asObject(probes.get(i), "probe");
            cases.add(new Case("probe " + i, conversation(p.get("messages"), p.get("tools"), p.get("kwargs")),
                    Fixtures.ints(p.get("prompt_ids")), Fixtures.ints(p.get("greedy"))));
        }
        Map<String, Object> weather = Json.asObject(probes.stream().map(p -> Json.asObject(p, "probe"))
                .filter(p -> p.get("tools") != null).findFirst().orElseThrow(), "probe");
        Map<String, Object> required = conversation(weather.get("messages"), weather.get("tools"), Map.of());
        required.put("tool_choice", "required");
        cases.add(new Case("tool_choice required", required, null));
        Map<String, Object> named = conversation(weather.get("messages"), weather.get("tools"), Map.of());
        named.put("tool_choice", Map.of("type", "function", "function", Map.of("name", "get_current_conditions")));
        cases.add(new Case("tool_choice named", named, null));
        Map<String, Object> builtinNamed = conversation(List.of(Map.of("role", "user", "content",
                "Weather in Paris, France")), null, Map.of("builtin_tools", List.of("brave_search", "wolfram_alpha")));
        builtinNamed.put("tool_choice", Map.of("type", "function", "function", Map.of("name", "brave_search")));
        cases.add(new Case("tool_choice named built-in", builtinNamed, null));
        Map<String, Object> none = conversation(weather.get("messages"), weather.get("tools"), Map.of());
        none.put("tool_choice", "none");
        cases.add(new Case("tool_choice none", none, null));
        cases.add(new Case("content parts, user", conversation(List.of(
                Map.of("role", "system", "content", List.of(Map.of("type", "text", "text", "You are a helpful Assistant."))),
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "What is the capital"),
                        Map.of("type", "text", "text", "of France?")))), null, Map.of()), null));
        cases.add(new Case("content parts, one part", conversation(List.of(Map.of("role", "user", "content",
                List.of(Map.of("type", "text", "text", "Hello!")))), null, Map.of()), null));
        cases.add(new Case("content parts, multi-turn", conversation(List.of(
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "Hi"))),
                Map.of("role", "assistant", "content", List.of(Map.of("type", "text", "text", "Hello!"),
                        Map.of("type", "text", "text", "How can I help?"))),
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "What is 12 plus 30?")))),
                null, Map.of()), null));
        return cases;
    }

    private static Map<String, Object> conversation(Object messages, Object tools, Object kwargs) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("messages", openAiMessages(messages));
        if (tools != null) {
            body.put("tools", tools);
        }
        if (kwargs != null && !Json.asObject(kwargs, "kwargs").isEmpty()) {
            body.put("chat_template_kwargs", kwargs);
        }
        return body;
    }

    /**
     * The goldens were rendered the Hugging Face way, where a tool call's arguments and a tool
     * result may be JSON objects; OpenAI's API carries both as strings, so they are sent that way
     * (the template then sees another value, and the golden ids are not compared).
     */
    private static boolean openAiReshaped(Map<String, Object> golden) {
        return !Json.write(openAiMessages(golden.get("messages"))).equals(Json.write(golden.get("messages")));
    }

    private static List<Object> openAiMessages(Object messages) {
        List<Object> out = new ArrayList<>();
        for (Object m : Json.asArray(messages, "messages")) {
            Map<String, Object> msg = new LinkedHashMap<>(Json.asObject(m, "message"));
            if (msg.get("content") instanceof Map<?, ?> content) {
                msg.put("content", Json.write(content));
            }
            if (msg.get("tool_calls") instanceof List<?> calls) {
                List<Object> fixed = new ArrayList<>();
                for (Object c : calls) {
                    Map<String, Object> call = new LinkedHashMap<>(Json.asObject(c, "tool_call"));
                    Map<String, Object> f = new LinkedHashMap<>(Json.asObject(call.get("function"), "function"));
                    if (!(f.get("arguments") instanceof String)) {
                        f.put("arguments", Json.write(f.get("arguments")));
                    }
                    call.put("function", f);
                    fixed.add(call);
                }
                msg.put("tool_calls", fixed);
            }
            out.add(msg);
        }
        return out;
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
