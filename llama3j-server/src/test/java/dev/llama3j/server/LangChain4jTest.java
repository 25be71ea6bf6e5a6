package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LangChain4j's OpenAI models against the server: chat, streamed chat, tool-call round trips. */
class LangChain4jTest {
    static TestServer s;
    static OpenAiChatModel model;
    static OpenAiStreamingChatModel streaming;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        model = OpenAiChatModel.builder().baseUrl(s.url("/v1")).apiKey("unused").modelName(TestServer.MODEL)
                .temperature(0.0).maxRetries(0).build();
        streaming = OpenAiStreamingChatModel.builder().baseUrl(s.url("/v1")).apiKey("unused")
                .modelName(TestServer.MODEL).temperature(0.0).build();
    }

    @AfterAll
    static void stop() {
        if (s != null) {
            s.close();
        }
    }

    static ToolSpecification weatherTool() {
        return ToolSpecification.builder()
                .name("get_current_conditions")
                .description("Get the current weather conditions for a specific location")
                .parameters(JsonObjectSchema.builder()
                        .addStringProperty("location", "The city and state, e.g., San Francisco, CA")
                        .addEnumProperty("unit", List.of("Celsius", "Fahrenheit"),
                                "The temperature unit to use. Infer this from the user's location.")
                        .required("location", "unit")
                        .build())
                .build();
    }

    @Test
    void chat() {
        ChatResponse r = model.chat(ChatRequest.builder()
                .messages(SystemMessage.from("You are a helpful Assistant."),
                        UserMessage.from("What is the capital of France?"))
                .build());
        assertEquals("The capital of France is Paris.", r.aiMessage().text());
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(48, r.tokenUsage().inputTokenCount());
    }

    @Test
    void streamedChat() throws Exception {
        List<String> partials = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(ChatRequest.builder()
                .messages(SystemMessage.from("You are a helpful Assistant."),
                        UserMessage.from("What is the capital of Japan?"))
                .build(), new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partial) {
                        partials.add(partial);
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertEquals("The capital of Japan is Tokyo.", String.join("", partials));
        assertTrue(partials.size() > 1, "streamed in pieces");
        assertEquals("The capital of Japan is Tokyo.", r.aiMessage().text());
        assertEquals(FinishReason.STOP, r.finishReason());
    }

    @Test
    void customToolRoundTrip() {
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(UserMessage.from("Question: what is the weather like in Tokyo?"));
        ChatResponse first = model.chat(ChatRequest.builder().messages(messages).toolSpecifications(weatherTool()).build());
        assertEquals(FinishReason.TOOL_EXECUTION, first.finishReason());
        AiMessage ai = first.aiMessage();
        assertTrue(ai.hasToolExecutionRequests());
        ToolExecutionRequest call = ai.toolExecutionRequests().get(0);
        assertEquals("get_current_conditions", call.name());
        assertEquals(TestServer.json().put("location", "Tokyo").put("unit", "Celsius"),
                EndpointsTest.parse(call.arguments()));

        messages.add(ai);
        messages.add(ToolExecutionResultMessage.from(call, "{\"temperature\": 22, \"conditions\": \"sunny\"}"));
        ChatResponse answer = model.chat(ChatRequest.builder().messages(messages).toolSpecifications(weatherTool())
                .build());
        assertEquals(FinishReason.STOP, answer.finishReason());
        assertFalse(answer.aiMessage().hasToolExecutionRequests());
        assertFalse(answer.aiMessage().text().isBlank());
    }

    @Test
    void streamedToolCall() throws Exception {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(ChatRequest.builder()
                .messages(UserMessage.from("Question: what is the weather like in Tokyo?"))
                .toolSpecifications(weatherTool())
                .build(), new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partial) {}

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        ToolExecutionRequest call = r.aiMessage().toolExecutionRequests().get(0);
        assertEquals("get_current_conditions", call.name());
        assertEquals("Tokyo", EndpointsTest.parse(call.arguments()).get("location").asText());
        assertEquals(FinishReason.TOOL_EXECUTION, r.finishReason());
    }

    @Test
    void builtinToolCall() {
        OpenAiChatModel withKwargs = OpenAiChatModel.builder().baseUrl(s.url("/v1")).apiKey("unused")
                .modelName(TestServer.MODEL).temperature(0.0).maxRetries(0)
                .customParameters(Map.of("chat_template_kwargs", Map.of("date_string", "13 July 2024")))
                .build();
        ChatResponse r = withKwargs.chat(ChatRequest.builder()
                .messages(SystemMessage.from("You are a helpful Assistant."),
                        UserMessage.from("Weather in Menlo Park, California"))
                .toolSpecifications(ToolSpecification.builder().name("brave_search").build(),
                        ToolSpecification.builder().name("wolfram_alpha").build())
                .build());
        ToolExecutionRequest call = r.aiMessage().toolExecutionRequests().get(0);
        assertEquals("brave_search", call.name());
        assertEquals("current weather in Menlo Park, CA", EndpointsTest.parse(call.arguments()).get("query").asText());
    }
}
