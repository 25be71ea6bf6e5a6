package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With an API key every route but /health wants {@code Authorization: Bearer KEY}. */
class ApiKeyTest {
    static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start(o -> o.withApiKey("s3cret"), 1);
    }

    @AfterAll
    static void stop() {
        if (s != null) {
            s.close();
        }
    }

    @Test
    void keyIsRequired() {
        var r = s.post("/v1/chat/completions", TestServer.chat("hi").put("max_tokens", 1));
        BadInputTest.error(r, 401, null);
        assertEquals("invalid_api_key", r.json().get("error").get("code").asText());
        assertEquals("Bearer", r.headers().firstValue("www-authenticate").orElse(null));
        BadInputTest.error(s.get("/v1/models", "Authorization", "Bearer wrong"), 401, null);
        BadInputTest.error(s.get("/metrics", "Authorization", "s3cret"), 401, null);
        BadInputTest.error(s.post("/tokenize", "{\"content\": \"x\"}"), 401, null);
    }

    @Test
    void rightKeyPasses() {
        assertEquals(200, s.get("/v1/models", "Authorization", "Bearer s3cret").status());
        assertEquals(200, s.post("/v1/chat/completions", TestServer.chat("hi").put("max_tokens", 1),
                "Authorization", "Bearer s3cret").status());
    }

    @Test
    void healthIsOpen() {
        assertEquals(200, s.get("/health").status());
    }

    @Test
    void loopbackByDefault() {
        assertEquals("127.0.0.1", ServerOptions.defaults("m").host());
        assertEquals("127.0.0.1", s.server.baseUrl().replaceAll("http://([^:]+):.*", "$1"));
    }
}
