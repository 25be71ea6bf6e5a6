package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.engine.Generation;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A client that hangs up frees its sequence at once: while generating, and while still queued. */
class LifecycleTest {
    static TestServer s;
    /** "Once upon a time" makes the demo model ramble to any length (greedy), so only a cancel ends it early. */
    static final String LONG = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 1000, \"temperature\": 0,"
            + " \"stream\": true}";

    @BeforeAll
    static void start() {
        s = TestServer.start(o -> o.withKeepAlive(Duration.ofMillis(200)), 2);
    }

    @AfterAll
    static void stop() {
        if (s != null) {
            s.close();
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void disconnectMidStreamCancelsTheGeneration() throws Exception {
        long cancelled = s.llama.engine().metrics().requestsCancelled.get();
        long disconnects = disconnects();
        try (RawStream stream = new RawStream(s.server.port(), "/v1/completions", LONG)) {
            assertEquals("HTTP/1.1 200 OK", stream.lineStartingWith("HTTP/1.1"));
            assertNotNull(stream.lineStartingWith("data: "));
            assertNotNull(stream.lineStartingWith("data: "));
            assertEquals(1, s.llama.engine().running());
        }
        await(() -> s.llama.engine().running() == 0 && s.server.inFlight() == 0, "the sequence to be freed");
        assertEquals(cancelled + 1, s.llama.engine().metrics().requestsCancelled.get());
        assertEquals(disconnects + 1, disconnects());
    }

    static long disconnects() {
        for (String line : s.get("/metrics").body().split("\n")) {
            if (line.startsWith("llama3j_client_disconnects_total ")) {
                return Long.parseLong(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new AssertionError("no llama3j_client_disconnects_total");
    }

    @Test
    void disconnectWhileQueuedIsNoticedByTheKeepAlive() throws Exception {
        // Stall the scheduler so that the request stays queued and no token is ever written to it.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stalled = new CountDownLatch(1);
        Generation hog = s.stallEngine("Hi", 2, stalled, release);
        try {
            assertTrue(stalled.await(30, TimeUnit.SECONDS));
            try (RawStream stream = new RawStream(s.server.port(), "/v1/completions", LONG)) {
                assertEquals("HTTP/1.1 200 OK", stream.lineStartingWith("HTTP/1.1"));
                assertNotNull(stream.lineStartingWith(": keep-alive"));
                await(() -> s.server.inFlight() == 1 && s.llama.engine().queued() == 1, "the request to queue");
            }
            // The handler finds the closed connection at its next keep-alive and cancels.
            await(() -> s.server.inFlight() == 0, "the handler to give up");
        } finally {
            release.countDown();
        }
        hog.await();
        s.awaitIdle();
    }

    @Test
    void aClientThatLeavesAWholeAnswerIsCancelledToo() throws Exception {
        // Not streamed: the handler writes nothing until the answer is ready, so only the keep-alive
        // space (one per silent interval) can find the closed connection while the request waits.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stalled = new CountDownLatch(1);
        Generation hog = s.stallEngine("Hi", 2, stalled, release);
        long disconnects = disconnects();
        try {
            assertTrue(stalled.await(30, TimeUnit.SECONDS));
            try (RawStream answer = new RawStream(s.server.port(), "/v1/completions",
                    LONG.replace("\"stream\": true", "\"stream\": false"))) {
                assertEquals("HTTP/1.1 200 OK", answer.lineStartingWith("HTTP/1.1"));
                await(() -> s.server.inFlight() == 1 && s.llama.engine().queued() == 1, "the request to queue");
            }
            await(() -> s.server.inFlight() == 0, "the handler to give up");
            assertEquals(disconnects + 1, disconnects());
        } finally {
            release.countDown();
        }
        hog.await();
        s.awaitIdle();
        assertEquals(0, s.llama.engine().queued());
    }

    @Test
    void aWholeAnswerThatWaitedStillParses() throws Exception {
        // Queued past a keep-alive interval, the answer arrives after spaces and is still one JSON object.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stalled = new CountDownLatch(1);
        Generation hog = s.stallEngine("Hi", 2, stalled, release);
        assertTrue(stalled.await(30, TimeUnit.SECONDS));
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> s.post("/v1/completions",
                "{\"prompt\": \"Hi\", \"max_tokens\": 3, \"temperature\": 0}"));
        await(() -> s.llama.engine().queued() == 1, "the request to queue");
        Thread.sleep(500);
        release.countDown();
        hog.await();
        var r = pending.get(30, TimeUnit.SECONDS);
        assertEquals(200, r.status());
        assertTrue(r.body().startsWith(" "), "the keep-alive spaces come first");
        assertEquals("text_completion", r.json().get("object").asText());
        s.awaitIdle();
    }
}
