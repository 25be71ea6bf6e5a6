package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.Llama;
import dev.llama3j.LlamaOptions;
import dev.llama3j.guard.LlamaGuard;
import dev.llama3j.guard.ModerationMode;
import dev.llama3j.guard.PromptScreen;
import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** The chat fixture model behind a server on an ephemeral loopback port, and a small HTTP client. */
final class TestServer implements AutoCloseable {
    static final String MODEL = "tiny-llama-3.1-chat";

    final Llama llama;
    final OpenAiServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(Llama llama, OpenAiServer server) {
        this.llama = llama;
        this.server = server;
    }

    static TestServer start() {
        return start(o -> o, 2);
    }

    static TestServer start(UnaryOperator<ServerOptions> options, int parallel) {
        return start(options, parallel, null, null);
    }

    /** With a guard model for /v1/moderations and, when {@code moderate} is set, around chat completions. */
    static TestServer start(UnaryOperator<ServerOptions> options, int parallel, LlamaGuard guard,
            ModerationMode moderate) {
        return start(options, parallel, guard, moderate, null);
    }

    /** As above, and with Prompt Guard checking chat requests when {@code promptScreen} is set. */
    static TestServer start(UnaryOperator<ServerOptions> options, int parallel, LlamaGuard guard,
            ModerationMode moderate, PromptScreen promptScreen) {
        Llama llama = Llama.load(Fixtures.chatModel(), LlamaOptions.defaults().withThreads(2).withContextSize(1024)
                .withParallel(parallel));
        try {
            OpenAiServer server = OpenAiServer.start(llama, options.apply(ServerOptions.defaults(MODEL).withPort(0)),
                    guard, moderate, promptScreen);
            return new TestServer(llama, server);
        } catch (RuntimeException e) {
            llama.close();
            throw e;
        }
    }

    String url(String path) {
        return server.baseUrl() + path;
    }

    record Response(int status, String body, java.net.http.HttpHeaders headers) {
        JsonNode json() {
            try {
                return JsonSupport.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The JSON payloads of an SSE body, [DONE] excluded. */
        List<JsonNode> events() {
            List<JsonNode> out = new ArrayList<>();
            for (String line : body.split("\n")) {
                if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                    try {
                        out.add(JsonSupport.MAPPER.readTree(line.substring(6)));
                    } catch (IOException e) {
                        throw new AssertionError("bad SSE data: " + line, e);
                    }
                }
            }
            return out;
        }
    }

    Response post(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    Response post(String path, JsonNode body, String... headers) {
        return post(path, JsonSupport.string(body), headers);
    }

    Response get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static ObjectNode json() {
        return JsonSupport.MAPPER.createObjectNode();
    }

    static ObjectNode chat(String user) {
        ObjectNode b = json();
        b.put("model", MODEL);
        b.putArray("messages").addObject().put("role", "user").put("content", user);
        b.put("temperature", 0);
        return b;
    }

    /** Polls until the engine has no running or queued sequence (or fails after 10 s). */
    void awaitIdle() {
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            if (llama.engine().running() == 0 && llama.engine().queued() == 0 && server.inFlight() == 0) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("engine still busy: running=" + llama.engine().running() + " queued="
                + llama.engine().queued() + " inFlight=" + server.inFlight());
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            llama.close();
        }
    }

    /**
     * Submits a generation straight to the engine whose first token holds the scheduler thread until
     * {@code release}: the engine stalls, so requests sent meanwhile stay queued. {@code stalled}
     * counts down when the hold begins.
     */
    dev.llama3j.engine.Generation stallEngine(String prompt, int maxTokens, java.util.concurrent.CountDownLatch stalled,
            java.util.concurrent.CountDownLatch release) {
        int[] ids = llama.tokenizer().prependBos(llama.tokenizer().encode(prompt, false));
        return llama.engine().submit(dev.llama3j.engine.GenerationRequest.of(ids,
                dev.llama3j.sampling.SamplingParams.greedy(), maxTokens), new dev.llama3j.engine.GenerationListener() {
                    @Override
                    public void onToken(dev.llama3j.engine.TokenEvent event) {
                        stalled.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
    }
}
