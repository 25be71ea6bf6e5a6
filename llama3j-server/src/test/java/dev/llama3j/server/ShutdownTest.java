package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Graceful shutdown: running requests finish within the grace period, or are cancelled with an error. */
class ShutdownTest {
    @Test
    void runningRequestFinishesWithinTheGrace() throws Exception {
        TestServer s = TestServer.start(o -> o.withShutdownGrace(Duration.ofSeconds(30)), 1);
        try {
            // Long enough to be seen running by a poll every 10 ms: 12 tokens of the tiny model could
            // finish in less on a fast host, and the wait below then timed out.
            var body = TestServer.json().put("prompt", "Once upon a time").put("max_tokens", 300).put("temperature", 0);
            CompletableFuture<TestServer.Response> pending = CompletableFuture.supplyAsync(
                    () -> s.post("/v1/completions", body));
            LifecycleTest.await(() -> s.llama.engine().running() == 1, "the request to run");
            s.server.close();
            TestServer.Response r = pending.get();
            assertEquals(200, r.status(), r.body());
            assertEquals(300, r.json().get("usage").get("completion_tokens").asInt());
            // Closed: nothing listens any more.
            assertThrows(RuntimeException.class, () -> s.get("/health"));
        } finally {
            s.close();
        }
    }

    @Test
    void requestsOverTheGraceAreCancelled() throws Exception {
        TestServer s = TestServer.start(o -> o.withShutdownGrace(Duration.ofMillis(200)), 2);
        try {
            CompletableFuture<TestServer.Response> stream = CompletableFuture.supplyAsync(
                    () -> s.post("/v1/completions", LifecycleTest.LONG));
            var whole = TestServer.json().put("prompt", "Once upon a time").put("max_tokens", 1000).put("temperature", 0);
            CompletableFuture<TestServer.Response> plain = CompletableFuture.supplyAsync(
                    () -> s.post("/v1/completions", whole));
            LifecycleTest.await(() -> s.llama.engine().running() == 2, "both requests to run");
            long start = System.nanoTime();
            s.server.close();
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "close took too long");

            TestServer.Response streamed = stream.get();
            assertEquals(200, streamed.status());
            var events = streamed.events();
            var last = events.get(events.size() - 1);
            assertEquals("service_unavailable", last.get("error").get("code").asText(), streamed.body());

            TestServer.Response r = plain.get();
            BadInputTest.error(r, 503, null);
            assertEquals(0, s.llama.engine().running());
        } finally {
            s.close();
        }
    }
}
