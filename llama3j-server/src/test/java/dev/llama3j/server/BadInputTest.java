package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.engine.Generation;
import dev.llama3j.engine.GenerationListener;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.EngineOverloadedException;
import dev.llama3j.sampling.SamplingParams;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each bad input gets its HTTP status and an OpenAI-style error body, never a stack trace. */
class BadInputTest {
    static final long BODY_LIMIT = 64 * 1024;
    static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start(o -> o.withMaxBodyBytes(BODY_LIMIT), 2);
    }

    @AfterAll
    static void stop() {
        if (s != null) {
            s.close();
        }
    }

    /** Asserts the status and the error shape; returns the error object. */
    static JsonNode error(TestServer.Response r, int status, String param) {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), r.body());
        JsonNode e = r.json().get("error");
        assertTrue(e != null && e.isObject(), r.body());
        assertTrue(e.get("message").isTextual() && !e.get("message").asText().isBlank());
        assertTrue(e.get("type").isTextual());
        assertTrue(e.has("param") && e.has("code"), r.body());
        if (param != null) {
            assertEquals(param, e.get("param").asText(), r.body());
        }
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat ") || r.body().contains(".java:"),
                "no stack trace: " + r.body());
        return e;
    }

    static TestServer.Response chat(ObjectNode body) {
        return s.post("/v1/chat/completions", body);
    }

    @Test
    void malformedJson() {
        JsonNode e = error(s.post("/v1/chat/completions", "{\"messages\": [}"), 400, null);
        assertEquals("invalid_request_error", e.get("type").asText());
        assertTrue(e.get("message").asText().contains("not valid JSON"));
        error(s.post("/v1/completions", "[1, 2]"), 400, null);
        error(s.post("/v1/completions", ""), 400, null);
        error(s.post("/v1/completions", "{\"prompt\": \"a\"} trailing"), 400, null);
        error(s.post("/tokenize", "\"just a string\""), 400, null);
    }

    @Test
    void wrongTypes() {
        error(chat(TestServer.json().put("messages", "hello")), 400, "messages");
        error(chat(TestServer.chat("hi").put("temperature", "hot")), 400, "temperature");
        error(chat(TestServer.chat("hi").put("max_tokens", 2.5)), 400, "max_tokens");
        error(chat(TestServer.chat("hi").put("stream", "yes")), 400, "stream");
        error(chat(TestServer.chat("hi").put("stop", 5)), 400, "stop");
        error(chat(TestServer.chat("hi").put("seed", "x")), 400, "seed");
        error(chat(TestServer.chat("hi").put("model", 7)), 400, "model");
        error(chat(TestServer.chat("hi").put("add_generation_prompt", "no")), 400, "add_generation_prompt");
        error(chat(TestServer.chat("hi").put("return_token_ids", 1)), 400, "return_token_ids");
        JsonNode e = error(chat(TestServer.chat("hi").put("return_token_ids", true).put("stream", true)), 400,
                "return_token_ids");
        assertTrue(e.get("message").asText().contains("without 'stream'"), e.toString());
        ObjectNode m = TestServer.chat("hi");
        ((ObjectNode) m.get("messages").get(0)).put("content", 42);
        error(chat(m), 400, "messages[0].content");
        error(s.post("/v1/completions", TestServer.json().putObject("prompt")), 400, "prompt");
        error(s.post("/detokenize", TestServer.json().put("tokens", "1,2")), 400, "tokens");
        ObjectNode d = TestServer.json();
        d.putArray("tokens").add("a");
        error(s.post("/detokenize", d), 400, "tokens");
        error(s.post("/tokenize", TestServer.json().put("content", 3)), 400, "content");
    }

    @Test
    void outOfRange() {
        error(chat(TestServer.chat("hi").put("max_tokens", 0)), 400, "max_tokens");
        error(chat(TestServer.chat("hi").put("temperature", 3)), 400, "temperature");
        error(chat(TestServer.chat("hi").put("top_p", 0)), 400, "top_p");
        error(chat(TestServer.chat("hi").put("n", 0)), 400, "n");
        error(chat(TestServer.chat("hi").put("n", 1000)), 400, "n");
        error(chat(TestServer.chat("hi").put("frequency_penalty", 5)), 400, "frequency_penalty");
        error(chat(TestServer.chat("hi").put("top_logprobs", 3)), 400, "top_logprobs");
        error(chat(TestServer.chat("hi").put("logprobs", true).put("top_logprobs", 50)), 400, "top_logprobs");
        ObjectNode so = TestServer.chat("hi");
        so.putObject("stream_options").put("include_usage", true);
        error(chat(so), 400, "stream_options");
        ObjectNode ids = TestServer.json();
        ids.putArray("prompt").add(1).add(999999);
        error(s.post("/v1/completions", ids), 400, "prompt");
        ObjectNode d = TestServer.json();
        d.putArray("tokens").add(-1);
        error(s.post("/detokenize", d), 400, "tokens");
    }

    @Test
    void unknownModel() {
        JsonNode e = error(chat(TestServer.chat("hi").put("model", "gpt-4o")), 404, "model");
        assertEquals("model_not_found", e.get("code").asText());
        error(s.post("/v1/completions", TestServer.json().put("model", "nope").put("prompt", "x")), 404, "model");
    }

    @Test
    void badMessages() {
        ObjectNode b = TestServer.json();
        b.putArray("messages");
        error(chat(b), 400, "messages");
        error(chat(TestServer.json()), 400, "messages");
        ObjectNode noRole = TestServer.json();
        noRole.putArray("messages").addObject().put("content", "x");
        error(chat(noRole), 400, "messages[0].role");
        ObjectNode badRole = TestServer.json();
        badRole.putArray("messages").addObject().put("role", "wizard").put("content", "x");
        error(chat(badRole), 400, "messages[0].role");
        ObjectNode noContent = TestServer.json();
        noContent.putArray("messages").addObject().put("role", "user");
        error(chat(noContent), 400, "messages[0].content");
        ObjectNode image = TestServer.json();
        image.putArray("messages").addObject().put("role", "user").putArray("content").addObject()
                .put("type", "image_url");
        error(chat(image), 400, "messages[0].content[0].type");
        ObjectNode notObject = TestServer.json();
        notObject.putArray("messages").add("hello");
        error(chat(notObject), 400, "messages[0]");
        ObjectNode badArgs = TestServer.chat("hi");
        ((com.fasterxml.jackson.databind.node.ArrayNode) badArgs.get("messages")).addObject().put("role", "assistant")
                .putArray("tool_calls").addObject().put("type", "function").putObject("function").put("name", "f")
                .put("arguments", "{not json");
        error(chat(badArgs), 400, "messages[1].tool_calls[0].function.arguments");
    }

    @Test
    void badTools() {
        ObjectNode b = TestServer.chat("hi");
        b.putArray("tools").addObject().put("type", "retrieval");
        error(chat(b), 400, "tools[0].type");
        ObjectNode noName = TestServer.chat("hi");
        noName.putArray("tools").addObject().put("type", "function").putObject("function");
        error(chat(noName), 400, "tools[0].function.name");
        ObjectNode named = TestServer.chat("hi");
        named.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "f");
        named.putObject("tool_choice").put("type", "function").putObject("function").put("name", "g");
        error(chat(named), 400, "tool_choice");
        ObjectNode required = TestServer.chat("hi").put("tool_choice", "required");
        error(chat(required), 400, "tool_choice");
        ObjectNode bogus = TestServer.chat("hi").put("tool_choice", "sometimes");
        error(chat(bogus), 400, "tool_choice");
    }

    @Test
    void promptOverTheContext() {
        String longText = "hello ".repeat(1100);
        JsonNode e = error(chat(TestServer.chat(longText)), 400, "messages");
        assertEquals("context_length_exceeded", e.get("code").asText());
        e = error(s.post("/v1/completions", TestServer.json().put("prompt", longText)), 400, "prompt");
        assertEquals("context_length_exceeded", e.get("code").asText());
    }

    @Test
    void bodyOverTheLimit() {
        String big = "{\"prompt\": \"" + "a".repeat((int) BODY_LIMIT) + "\"}";
        JsonNode e = error(s.post("/v1/completions", big), 413, null);
        assertEquals("request_too_large", e.get("code").asText());
        // Without a Content-Length (chunked upload) the limit holds too.
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(s.url("/v1/completions")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes())))
                .build();
        error(s.send(chunked), 413, null);
        // The server is still fine afterwards.
        assertEquals(200, s.get("/health").status());
    }

    @Test
    void aBodyOverTheLimitIsReadToItsEndUpToTheDrainLimit() {
        // Read and dropped before the 413, so the client is done sending when the answer comes.
        assertEquals(BODY_LIMIT + (64L << 20), OpenAiServer.drainLimit(BODY_LIMIT));
        assertEquals(8L << 30, OpenAiServer.drainLimit(1L << 30));
        assertEquals(Long.MAX_VALUE, OpenAiServer.drainLimit(Long.MAX_VALUE / 4));
    }

    @Test
    void unknownRouteAndMethod() {
        JsonNode e = error(s.get("/v1/engines"), 404, null);
        assertEquals("unknown_url", e.get("code").asText());
        e = error(s.get("/v1/chat/completions"), 405, null);
        assertEquals("method_not_allowed", e.get("code").asText());
    }

    @Test
    void fullQueueIs429WithRetryAfter() {
        // A generation whose listener holds the scheduler thread stalls the engine, so the queue,
        // filled straight through the engine, stays full while we ask.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stalled = new CountDownLatch(1);
        List<Generation> hogs = new ArrayList<>();
        int[] prompt = s.llama.tokenizer().prependBos(s.llama.tokenizer().encode("Once upon a time", false));
        hogs.add(s.stallEngine("Once upon a time", 100, stalled, release));
        try {
            assertTrue(stalled.await(30, TimeUnit.SECONDS));
            while (true) {
                hogs.add(s.llama.engine().submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 100),
                        new GenerationListener() {}));
            }
        } catch (EngineOverloadedException expected) {
            // The queue is full now.
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        try {
            var r = chat(TestServer.chat("hi"));
            JsonNode e = error(r, 429, null);
            assertEquals("rate_limit_error", e.get("type").asText());
            assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
            error(s.post("/v1/completions", TestServer.json().put("prompt", "x")), 429, null);
        } finally {
            hogs.forEach(Generation::cancel);
            release.countDown();
        }
        s.awaitIdle();
        assertEquals(200, chat(TestServer.chat("hi").put("max_tokens", 2)).status());
    }
}
