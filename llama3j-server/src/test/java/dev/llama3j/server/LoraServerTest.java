package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.Llama;
import dev.llama3j.LlamaOptions;
import dev.llama3j.engine.GenerationListener;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.Generation;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.lora.LoraMode;
import dev.llama3j.lora.LoraOptions;
import dev.llama3j.lora.LoraSpec;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.sampling.SamplingParams;
import dev.llama3j.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The random model with its LoRA adapter unmerged behind the server: the request's {@code model} picks
 * the base or the adapter, and requests for both share batches, each with its own goldens.
 */
class LoraServerTest {
    static final String BASE = "tiny-random";
    static final String ADAPTER = "lora-tiny-random";

    static Llama llama;
    static OpenAiServer server;
    static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        llama = Llama.load(Fixtures.randomModel(), LlamaOptions.defaults().withThreads(2).withContextSize(512)
                .withParallel(4).withCacheType(KvCacheType.F32)
                .withLora(LoraOptions.of(LoraMode.UNMERGED, new LoraSpec(ADAPTER, Fixtures.loraAdapter()))));
        server = OpenAiServer.start(llama, ServerOptions.defaults(BASE).withPort(0));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (llama != null) {
            llama.close();
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> golden(boolean lora, String name) {
        List<Map<String, Object>> cases = lora
                ? (List<Map<String, Object>>) ((Map<String, Object>) Fixtures.goldens().get("lora")).get("cases")
                : Fixtures.goldenList("random_model");
        for (Map<String, Object> c : cases) {
            if (c.get("name").equals(name)) {
                return c;
            }
        }
        throw new AssertionError(name);
    }

    static HttpRequest completion(String model, int[] prompt) {
        ObjectNode b = JsonSupport.MAPPER.createObjectNode();
        b.put("model", model);
        ArrayNode ids = b.putArray("prompt");
        for (int t : prompt) {
            ids.add(t);
        }
        b.put("max_tokens", 24);
        b.put("temperature", 0);
        return HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/completions"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JsonSupport.string(b))).build();
    }

    static JsonNode json(String body) {
        try {
            return JsonSupport.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new AssertionError(body, e);
        }
    }

    @Test
    void modelsListsTheAdapter() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/models")).GET()
                .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode());
        JsonNode data = json(r.body()).get("data");
        assertEquals(2, data.size(), r.body());
        assertEquals(BASE, data.get(0).get("id").asText());
        assertEquals(ADAPTER, data.get(1).get("id").asText());
        assertEquals(BASE, data.get(1).get("parent").asText());
    }

    @Test
    void unknownModelIs404() throws Exception {
        HttpResponse<String> r = HTTP.send(completion("nope", new int[] {128000}),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(404, r.statusCode(), r.body());
    }

    /**
     * Base ({@code model} = the served name or {@code base}) and adapter requests for both golden prompts,
     * queued behind a blocker so that they are admitted together and share every forward pass; each
     * answer is its own golden continuation.
     */
    @Test
    void baseAndAdapterInTheSameBatches() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Generation blocker = llama.engine().submit(new GenerationRequest(new int[] {128000, 9906},
                SamplingParams.greedy(), 1, null, null, -1, null), new GenerationListener() {
                    @Override
                    public void onToken(TokenEvent event) {
                        entered.countDown();
                        try {
                            release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
        assertTrue(entered.await(30, TimeUnit.SECONDS));
        List<Map<String, Object>> cases = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        String[] baseNames = {BASE, "base"};
        int k = 0;
        for (String name : new String[] {"hello", "multilingual"}) {
            for (boolean lora : new boolean[] {false, true}) {
                Map<String, Object> c = golden(lora, name);
                cases.add(c);
                answers.add(HTTP.sendAsync(completion(lora ? ADAPTER : baseNames[k++ % 2], Fixtures.ints(c.get("ids"))),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
            }
        }
        long end = System.nanoTime() + 30_000_000_000L;
        while (llama.engine().queued() < 4 && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertEquals(4, llama.engine().queued(), "all four requests wait behind the blocker");
        long passesBefore = llama.engine().metrics().forwardPasses.get();
        release.countDown();
        blocker.await();
        for (int i = 0; i < answers.size(); i++) {
            HttpResponse<String> r = answers.get(i).get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            String expected = llama.tokenizer().decode(Fixtures.ints(cases.get(i).get("greedy24")));
            assertEquals(expected, json(r.body()).get("choices").get(0).get("text").asText(),
                    (i % 2 == 1 ? "adapter " : "base ") + cases.get(i).get("name"));
            assertEquals(i % 2 == 1 ? ADAPTER : BASE, json(r.body()).get("model").asText(), "the model that answered");
        }
        long passes = llama.engine().metrics().forwardPasses.get() - passesBefore;
        assertTrue(passes <= 30, passes + " forward passes: the requests did not share batches");
    }
}
