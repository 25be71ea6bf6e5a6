package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.llama3j.chat.Message;
import dev.llama3j.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The endpoint backend against a JDK HTTP server that answers like an OpenAI-compatible one. */
class OpenAiChatBackendTest {
    private HttpServer server;
    private final AtomicReference<String> requestBody = new AtomicReference<>();
    private final AtomicReference<String> authorization = new AtomicReference<>();
    private volatile int status = 200;
    private volatile String answer;
    private HttpClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            requestBody.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            authorization.set(ex.getRequestHeaders().getFirst("Authorization"));
            byte[] b = answer.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        client = HttpClient.newHttpClient();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        client.close();
    }

    private OpenAiChatBackend backend(String spec) {
        ModelSpec s = ModelSpec.parse(spec.replace("PORT", Integer.toString(server.getAddress().getPort())), "--judge");
        return new OpenAiChatBackend(client, s.endpoint(), s.endpointModel(), s.sampling(), s.maxTokens(), "k3y");
    }

    @Test
    void sendsModelMessagesAndSamplingAndReadsContentAndUsage() {
        answer = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Rating: 5\"}}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4}}";
        OpenAiChatBackend b = backend("http://127.0.0.1:PORT/v1#big-judge@temperature=0.7,top_p=0.9,seed=3,max_tokens=64");
        ChatResult r = b.submit(List.of(Message.system("s"), Message.user("u"))).join();
        assertEquals(new ChatResult("Rating: 5", 12, 4), r);
        assertEquals("big-judge", b.modelName());
        Map<String, Object> sent = Json.asObject(Json.parse(requestBody.get()), "body");
        assertEquals("big-judge", sent.get("model"));
        assertEquals(List.of(Map.of("role", "system", "content", "s"), Map.of("role", "user", "content", "u")),
                sent.get("messages"));
        assertEquals(0.7, sent.get("temperature"));
        assertEquals(0.9, sent.get("top_p"));
        assertEquals(3L, sent.get("seed"));
        assertEquals(64L, sent.get("max_tokens"));
        assertEquals("Bearer k3y", authorization.get());
    }

    @Test
    void aFailingOrMalformedAnswerFailsTheRequestNamingTheUrl() {
        OpenAiChatBackend b = backend("http://127.0.0.1:PORT/v1#m");
        status = 503;
        answer = "{\"error\":\"overloaded\"}";
        assertFailure(b, "/v1/chat/completions answered HTTP 503: {\"error\":\"overloaded\"}");
        status = 200;
        answer = "{\"choices\":[]}";
        assertFailure(b, "answered no choices");
        answer = "<html>";
        assertFailure(b, "answered a body that is not a chat completion");
        answer = "{\"choices\":[{\"text\":\"x\"}]}";
        assertFailure(b, "answered a body that is not a chat completion");
    }

    private static void assertFailure(OpenAiChatBackend b, String expected) {
        CompletionException e = assertThrows(CompletionException.class, () -> b.submit(List.of(Message.user("u"))).join());
        assertTrue(e.getCause().getMessage().contains(expected), e.getCause().getMessage());
        assertTrue(e.getCause().getMessage().startsWith(URI.create("http://127.0.0.1").getScheme()), e.getCause().getMessage());
    }
}
