package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK against the server: chat, streamed chat, tool-call round trips. */
class OpenAiSdkTest {
    static TestServer s;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        client = OpenAIOkHttpClient.builder().baseUrl(s.url("/v1")).apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (s != null) {
            s.close();
        }
    }

    /** The golden probe whose messages mention {@code text}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> probe(String text) {
        return EndpointsTest.probes().stream().filter(p -> String.valueOf(p.get("messages")).contains(text))
                .findFirst().orElseThrow();
    }

    /** The golden probe's custom tool, built with the SDK's types. */
    @SuppressWarnings("unchecked")
    static ChatCompletionFunctionTool weatherTool() {
        Map<String, Object> tool = ((List<Map<String, Object>>) probe("Tokyo").get("tools")).get(0);
        Map<String, Object> fn = (Map<String, Object>) tool.get("function");
        FunctionParameters.Builder params = FunctionParameters.builder();
        ((Map<String, Object>) fn.get("parameters")).forEach((k, v) -> params.putAdditionalProperty(k, JsonValue.from(v)));
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name((String) fn.get("name")).description((String) fn.get("description"))
                .parameters(params.build()).build()).build();
    }

    static ChatCompletionFunctionTool namedTool(String name) {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name(name).build()).build();
    }

    @Test
    void chat() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(TestServer.MODEL)
                .addSystemMessage("You are a helpful Assistant.")
                .addUserMessage("What is the capital of France?")
                .temperature(0.0)
                .build());
        assertEquals("The capital of France is Paris.", c.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
        assertEquals(48, c.usage().orElseThrow().promptTokens());
        assertEquals(8, c.usage().orElseThrow().completionTokens());
    }

    @Test
    void streamedChat() {
        StringBuilder text = new StringBuilder();
        AtomicReference<ChatCompletionChunk.Choice.FinishReason> finish = new AtomicReference<>();
        AtomicReference<Long> usage = new AtomicReference<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder()
                        .model(TestServer.MODEL)
                        .addSystemMessage("You are a helpful Assistant.")
                        .addUserMessage("What is the capital of Japan?")
                        .temperature(0.0)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .build())) {
            stream.stream().forEach(chunk -> {
                chunk.usage().ifPresent(u -> usage.set(u.completionTokens()));
                for (ChatCompletionChunk.Choice c : chunk.choices()) {
                    c.delta().content().ifPresent(text::append);
                    c.finishReason().ifPresent(finish::set);
                }
            });
        }
        assertEquals("The capital of Japan is Tokyo.", text.toString());
        assertEquals(ChatCompletionChunk.Choice.FinishReason.STOP, finish.get());
        assertEquals(8L, usage.get());
    }

    @Test
    void customToolRoundTrip() {
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder()
                .model(TestServer.MODEL)
                .addUserMessage("Question: what is the weather like in Tokyo?")
                .addTool(weatherTool())
                .temperature(0.0);
        ChatCompletion first = client.chat().completions().create(params.build());
        ChatCompletion.Choice choice = first.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("get_current_conditions", call.function().name());
        JsonNode args = EndpointsTest.parse(call.function().arguments());
        assertEquals(TestServer.json().put("location", "Tokyo").put("unit", "Celsius"), args);

        // Send the call back with its result; the model answers in prose.
        params.addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id())
                        .content("{\"temperature\": 22, \"conditions\": \"sunny\"}").build());
        ChatCompletion answer = client.chat().completions().create(params.build());
        ChatCompletion.Choice a = answer.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, a.finishReason());
        assertFalse(a.message().content().orElse("").isBlank());
        assertTrue(a.message().toolCalls().map(List::isEmpty).orElse(true));
    }

    @Test
    void streamedToolCall() {
        StringBuilder name = new StringBuilder();
        StringBuilder args = new StringBuilder();
        AtomicReference<ChatCompletionChunk.Choice.FinishReason> finish = new AtomicReference<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder()
                        .model(TestServer.MODEL)
                        .addUserMessage("Question: what is the weather like in Tokyo?")
                        .addTool(weatherTool())
                        .temperature(0.0)
                        .build())) {
            stream.stream().forEach(chunk -> {
                for (ChatCompletionChunk.Choice c : chunk.choices()) {
                    c.delta().toolCalls().ifPresent(calls -> calls.forEach(tc -> tc.function().ifPresent(f -> {
                        f.name().ifPresent(name::append);
                        f.arguments().ifPresent(args::append);
                    })));
                    c.finishReason().ifPresent(finish::set);
                }
            });
        }
        assertEquals("get_current_conditions", name.toString());
        assertEquals("Tokyo", EndpointsTest.parse(args.toString()).get("location").asText());
        assertEquals(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS, finish.get());
    }

    @Test
    void builtinToolCall() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(TestServer.MODEL)
                .addSystemMessage("You are a helpful Assistant.")
                .addUserMessage("Weather in Menlo Park, California")
                .addTool(namedTool("brave_search"))
                .addTool(namedTool("wolfram_alpha"))
                .putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(Map.of("date_string", "13 July 2024")))
                .temperature(0.0)
                .build());
        ChatCompletion.Choice choice = c.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("brave_search", call.function().name());
        assertEquals("current weather in Menlo Park, CA",
                EndpointsTest.parse(call.function().arguments()).get("query").asText());
    }

    @Test
    void completions() {
        Completion c = client.completions().create(CompletionCreateParams.builder()
                .model(TestServer.MODEL)
                .prompt(EndpointsTest.FRANCE)
                .maxTokens(20)
                .temperature(0.0)
                .build());
        assertEquals("The capital of France is Paris.", c.choices().get(0).text());
    }

    @Test
    void errorsReachTheClient() {
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hi").build()));
        assertEquals(404, e.statusCode());
        assertEquals("model_not_found", e.code().orElse(null));
        assertEquals("model", e.param().orElse(null));
        assertEquals(TestServer.MODEL, client.models().list().data().get(0).id());
    }

    @Test
    void strictToolCallsAlwaysValidate() throws Exception {
        // A schema the demo model was never trained on, sampled at temperature 1: only the grammar keeps
        // the arguments inside it.
        FunctionParameters params = FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of(
                        "sku", Map.of("type", "string", "pattern", "^[A-Z]{3}-[0-9]{4}$"),
                        "quantity", Map.of("type", "integer", "minimum", 1, "maximum", 99),
                        "gift", Map.of("type", "boolean"))))
                .putAdditionalProperty("required", JsonValue.from(List.of("sku", "quantity", "gift")))
                .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                .build();
        ChatCompletionFunctionTool order = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("place_order").description("Order an item").parameters(params).strict(true).build()).build();
        for (int seed = 0; seed < 5; seed++) {
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(TestServer.MODEL)
                    .addUserMessage("Order two blue mugs, please.")
                    .addTool(order)
                    .toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.REQUIRED)
                    .temperature(1.0)
                    .seed(seed)
                    .maxCompletionTokens(120)
                    .build());
            ChatCompletion.Choice choice = c.choices().get(0);
            assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason(), c.toString());
            ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
            assertEquals("place_order", call.function().name());
            var args = JsonSupport.MAPPER.readTree(call.function().arguments());
            assertEquals(3, args.size(), args.toString());
            assertTrue(args.get("sku").asText().matches("[A-Z]{3}-[0-9]{4}"), args.toString());
            assertTrue(args.get("quantity").isInt() && args.get("quantity").asInt() >= 1
                    && args.get("quantity").asInt() <= 99, args.toString());
            assertTrue(args.get("gift").isBoolean(), args.toString());
        }
    }

    @Test
    void strictToolsUnderAutoGiveTextOrACallThatValidates() throws Exception {
        // The demo model was trained to call get_current_conditions with free-form locations; this strict
        // version wants "City, CC" and a narrower enum. Sampled at temperature 1, it answers weather
        // questions with calls (which must validate) and other questions with text.
        FunctionParameters params = FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of(
                        "location", Map.of("type", "string", "pattern", "^[A-Z][a-z]{1,12}, [A-Z]{2}$"),
                        "unit", Map.of("type", "string", "enum", List.of("Celsius")))))
                .putAdditionalProperty("required", JsonValue.from(List.of("location", "unit")))
                .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                .build();
        ChatCompletionFunctionTool weather = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_current_conditions").description("Get the current weather conditions for a specific location")
                .parameters(params).strict(true).build()).build();
        int calls = 0;
        int texts = 0;
        for (String question : List.of("Question: what is the weather like in Tokyo?",
                "Question: what is the weather like in Florence?", "What is the capital of France?")) {
            for (int seed = 0; seed < 3; seed++) {
                ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model(TestServer.MODEL)
                        .addUserMessage(question)
                        .addTool(weather)
                        .temperature(1.0)
                        .seed(seed)
                        .maxCompletionTokens(60)
                        .build());
                ChatCompletion.Choice choice = c.choices().get(0);
                if (choice.message().toolCalls().isPresent() && !choice.message().toolCalls().get().isEmpty()) {
                    calls++;
                    assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason(), c.toString());
                    var call = choice.message().toolCalls().get().get(0).asFunction();
                    var args = JsonSupport.MAPPER.readTree(call.function().arguments());
                    assertEquals("get_current_conditions", call.function().name());
                    assertTrue(args.get("location").asText().matches("[A-Z][a-z]{1,12}, [A-Z]{2}"), args.toString());
                    assertEquals("Celsius", args.get("unit").asText(), args.toString());
                    assertEquals(2, args.size(), args.toString());
                } else {
                    texts++;
                    String content = choice.message().content().orElse("");
                    assertFalse(content.strip().startsWith("{"), content);
                }
            }
        }
        assertTrue(calls > 0 && texts > 0, calls + " calls, " + texts + " texts");
    }
}
