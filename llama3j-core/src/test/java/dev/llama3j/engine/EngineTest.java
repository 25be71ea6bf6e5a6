package dev.llama3j.engine;

import dev.llama3j.chat.FinishReason;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.sampling.SamplingParams;
import dev.llama3j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Continuous batching must give every sequence exactly what it would get alone. */
class EngineTest {
    static LlamaModel model;
    static final int[] EOS = {128001, 128008, 128009};

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Fixtures.chatModel(), 2, 256);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static TextDecoder idDecoder() {
        return new TextDecoder() {
            @Override
            public String feed(int token) {
                return "<" + token + ">";
            }

            @Override
            public String flush() {
                return "";
            }
        };
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> probes() {
        return (List<Map<String, Object>>) ((Map<String, Object>) Fixtures.goldens().get("chat_model")).get("probes");
    }

    @Test
    void concurrentProbesMatchGoldens() {
        try (Engine engine = new Engine(model, EngineTest::idDecoder, EOS, new EngineOptions(4, 512, 256, 32, 64, dev.llama3j.model.KvCacheType.F16))) {
            List<Generation> gens = new ArrayList<>();
            for (Map<String, Object> p : probes()) {
                gens.add(engine.submit(GenerationRequest.of(Fixtures.ints(p.get("prompt_ids")), SamplingParams.greedy(),
                        64), new GenerationListener() {}));
            }
            for (int i = 0; i < gens.size(); i++) {
                GenerationResult r = gens.get(i).await();
                assertArrayEquals(Fixtures.ints(probes().get(i).get("greedy")), r.tokens(),
                        String.valueOf(probes().get(i).get("greedy_text")));
                assertEquals(FinishReason.STOP, r.finishReason());
            }
            assertEquals(0, engine.running());
        }
    }

    @Test
    void prefixIsReusedAndOutputUnchanged() {
        try (Engine engine = new Engine(model, EngineTest::idDecoder, EOS, EngineOptions.single(512))) {
            int[] prompt = Fixtures.ints(probes().get(0).get("prompt_ids"));
            GenerationResult first = engine.generate(GenerationRequest.of(prompt, SamplingParams.greedy(), 64));
            GenerationResult second = engine.generate(GenerationRequest.of(prompt, SamplingParams.greedy(), 64));
            assertEquals(0, first.cachedPromptTokens());
            assertEquals(prompt.length - 1, second.cachedPromptTokens());
            assertArrayEquals(first.tokens(), second.tokens());
        }
    }

    @Test
    void lengthLimitAndStopStrings() {
        try (Engine engine = new Engine(model, EngineTest::idDecoder, EOS, EngineOptions.single(512))) {
            int[] prompt = Fixtures.ints(probes().get(0).get("prompt_ids"));
            GenerationResult r = engine.generate(GenerationRequest.of(prompt, SamplingParams.greedy(), 3));
            assertEquals(3, r.tokens().length);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            // "The capital of France…": stop at the text of the third token.
            GenerationResult s = engine.generate(new GenerationRequest(prompt, SamplingParams.greedy(), 64, null,
                    List.of("<315>"), -1, null));
            assertEquals(FinishReason.STOP, s.finishReason());
            assertEquals("<791><6864>", s.text());
        }
    }

    @Test
    void cancelFreesTheSlot() throws Exception {
        try (Engine engine = new Engine(model, EngineTest::idDecoder, EOS, EngineOptions.single(512))) {
            int[] prompt = Fixtures.ints(probes().get(3).get("prompt_ids"));
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            Generation g = engine.submit(new GenerationRequest(prompt, SamplingParams.greedy(), 400, new int[0],
                    null, -1, null), new GenerationListener() {
                @Override
                public void onToken(TokenEvent event) {
                    started.countDown();
                }
            });
            started.await();
            g.cancel();
            assertEquals(FinishReason.CANCELLED, g.await().finishReason());
            assertEquals(0, engine.running());
        }
    }

    @Test
    void logprobsAreReported() {
        try (Engine engine = new Engine(model, EngineTest::idDecoder, EOS, EngineOptions.single(512))) {
            int[] prompt = Fixtures.ints(probes().get(0).get("prompt_ids"));
            GenerationResult r = engine.generate(new GenerationRequest(prompt, SamplingParams.greedy(), 2, null, null,
                    3, null));
            TokenEvent e = r.events().get(0);
            assertEquals(791, e.token());
            assertEquals(3, e.topTokens().length);
            assertEquals(791, e.topTokens()[0]);
            assertTrue(e.logprob() <= 0 && e.logprob() > -0.01, "confident first token: " + e.logprob());
        }
    }

    @Test
    void topLogprobsStayInTheirRowWhenBatched() {
        // Two sequences share the logits buffer; each one's alternatives must come from its own row.
        try (Engine engine = new Engine(model, EngineTest::idDecoder, EOS, new EngineOptions(2, 512, 256, 32, 8, dev.llama3j.model.KvCacheType.F16))) {
            List<Generation> gens = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                gens.add(engine.submit(new GenerationRequest(Fixtures.ints(probes().get(i).get("prompt_ids")),
                        SamplingParams.greedy(), 3, null, null, 5, null), new GenerationListener() {}));
            }
            for (Generation g : gens) {
                for (TokenEvent e : g.await().events()) {
                    if (e.topTokens() != null) {
                        assertEquals(e.token(), e.topTokens()[0], "greedy picks the most likely");
                        for (int t : e.topTokens()) {
                            assertTrue(t >= 0 && t < model.config().vocabSize(), "id " + t);
                        }
                    }
                }
            }
        }
    }

    @Test
    void defaultsForAModel() {
        EngineOptions o = EngineOptions.forModel(model, 2, 0, 1024, dev.llama3j.model.KvCacheType.F16);
        assertEquals(Math.min(model.config().maxPositions(), EngineOptions.DEFAULT_CONTEXT), o.contextSize());
        assertEquals(model.maxBatch(), o.maxBatchTokens(), "cut to what the model was loaded for");
        assertEquals(EngineOptions.BUSY_PREFILL_TOKENS, o.busyPrefillTokens());
        assertEquals(2 * EngineOptions.QUEUED_PER_SLOT, o.queueCapacity());
        EngineOptions small = EngineOptions.forModel(model, 4, 300, 8, dev.llama3j.model.KvCacheType.F32);
        assertEquals(300, small.contextSize());
        assertEquals(8, small.busyPrefillTokens(), "no more than a batch");
    }

    @Test
    void badRequestsAreRejected() {
        try (Engine engine = new Engine(model, EngineTest::idDecoder, EOS, EngineOptions.single(64))) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> engine.submit(GenerationRequest.of(new int[] {128000, 999999}, SamplingParams.greedy(), 4),
                            new GenerationListener() {}));
            assertTrue(e.getMessage().contains("999999"), e.getMessage());
            e = assertThrows(InvalidRequestException.class,
                    () -> engine.submit(GenerationRequest.of(new int[100], SamplingParams.greedy(), 4),
                            new GenerationListener() {}));
            assertTrue(e.getMessage().contains("100 tokens"), e.getMessage());
            assertThrows(InvalidRequestException.class,
                    () -> engine.submit(GenerationRequest.of(new int[0], SamplingParams.greedy(), 4),
                            new GenerationListener() {}));
            // Built without the tokenizer's bytes: a grammar is refused by name, not ignored.
            e = assertThrows(InvalidRequestException.class, () -> engine.submit(GenerationRequest.of(
                    new int[] {128000}, SamplingParams.greedy(), 4).withGrammar(dev.llama3j.grammar.Grammar.parse(
                    "root ::= \"a\"\n")), new GenerationListener() {}));
            assertEquals("grammar", e.param());
            assertTrue(e.getMessage().contains("cannot follow a grammar"), e.getMessage());
        }
    }
}
