package dev.llama3j.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.engine.Engine;
import dev.llama3j.engine.EngineOptions;
import dev.llama3j.engine.Generation;
import dev.llama3j.engine.GenerationListener;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TextDecoder;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.sampling.SamplingParams;
import dev.llama3j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine serves the base and the adapter side by side, each request with its own goldens. */
class LoraEngineTest {
    static LlamaModel model;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Fixtures.randomModel(), 2, 256,
                LoraLoader.hook(LoraOptions.of(LoraMode.UNMERGED, LoraGoldens.spec())));
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static Engine engine(int parallel) {
        return new Engine(model, LoraEngineTest::decoder, new int[] {128001, 128008, 128009},
                new EngineOptions(parallel, 512, 256, 256, 16, KvCacheType.F32));
    }

    static TextDecoder decoder() {
        return new TextDecoder() {
            @Override
            public String feed(int token) {
                return "";
            }

            @Override
            public String flush() {
                return "";
            }
        };
    }

    static GenerationRequest request(int[] prompt, String adapter) {
        return new GenerationRequest(prompt, SamplingParams.greedy(), 24, null, null, -1, adapter);
    }

    /**
     * Four requests (base and adapter, two prompts each) are admitted together behind a blocker, so
     * their prompts and every decoding step share forward passes.
     */
    @Test
    void baseAndAdapterRequestsInTheSameBatches() throws InterruptedException {
        try (Engine engine = engine(4)) {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Generation blocker = engine.submit(new GenerationRequest(new int[] {128000, 9906}, SamplingParams.greedy(),
                    1, null, null, -1, null), new GenerationListener() {
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
            List<Generation> gens = new ArrayList<>();
            for (String name : new String[] {"hello", "multilingual"}) {
                for (boolean lora : new boolean[] {false, true}) {
                    Map<String, Object> c = lora ? LoraGoldens.loraCase(name) : LoraGoldens.baseCase(name);
                    cases.add(c);
                    gens.add(engine.submit(request(LoraGoldens.ids(c), lora ? LoraGoldens.ADAPTER : null),
                            new GenerationListener() {}));
                }
            }
            long passesBefore = engine.metrics().forwardPasses.get();
            release.countDown();
            blocker.await();
            for (int i = 0; i < gens.size(); i++) {
                GenerationResult r = gens.get(i).await();
                assertArrayEquals(LoraGoldens.greedy24(cases.get(i)), r.tokens(),
                        (i % 2 == 1 ? "adapter " : "base ") + cases.get(i).get("name"));
            }
            long passes = engine.metrics().forwardPasses.get() - passesBefore;
            // One after the other would take 4 × 24 passes; together, the prompts' passes plus 24 or so.
            assertTrue(passes <= 30, passes + " forward passes: the requests did not share batches");
        }
    }

    @Test
    void unknownAdapterIsAnInvalidRequest() {
        try (Engine engine = engine(1)) {
            var e = assertThrows(InvalidRequestException.class,
                    () -> engine.submit(request(new int[] {128000}, "nope"), new GenerationListener() {}));
            assertEquals("model", e.param());
            assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains(LoraGoldens.ADAPTER),
                    e.getMessage());
        }
    }

    /** A slot's cached prompt is reused only by a request with the same adapter. */
    @Test
    void prefixCacheIsPerAdapter() {
        try (Engine engine = engine(1)) {
            Map<String, Object> lora = LoraGoldens.loraCase("hello");
            Map<String, Object> base = LoraGoldens.baseCase("hello");
            assertArrayEquals(LoraGoldens.ids(lora), LoraGoldens.ids(base));
            GenerationResult a = engine.generate(request(LoraGoldens.ids(lora), LoraGoldens.ADAPTER));
            GenerationResult b = engine.generate(request(LoraGoldens.ids(base), null));
            GenerationResult c = engine.generate(request(LoraGoldens.ids(base), null));
            assertArrayEquals(LoraGoldens.greedy24(lora), a.tokens());
            assertEquals(0, b.cachedPromptTokens(), "the adapter's cache is not the base's");
            assertArrayEquals(LoraGoldens.greedy24(base), b.tokens());
            assertEquals(LoraGoldens.ids(base).length - 1, c.cachedPromptTokens());
            assertArrayEquals(LoraGoldens.greedy24(base), c.tokens());
        }
    }
}
