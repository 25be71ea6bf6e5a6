package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The random model against Hugging Face transformers' fp32 outputs. */
class RandomModelParityTest {
    static LlamaModel model;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Fixtures.randomModel(), 2, 256);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static Map<String, Object> goldenCase(String name) {
        for (Map<String, Object> c : Fixtures.goldenList("random_model")) {
            if (c.get("name").equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no golden case " + name);
    }

    @Test
    void helloMatchesGoldens() {
        checkCase("hello");
    }

    @Test
    void multilingualMatchesGoldens() {
        checkCase("multilingual");
    }

    @SuppressWarnings("unchecked")
    private void checkCase(String name) {
        Map<String, Object> c = goldenCase(name);
        int[] ids = Fixtures.ints(c.get("ids"));
        int vocab = model.config().vocabSize();
        float[] all = ParityUtil.allLogits(model, ids);
        // Last-position logits within 1e-3.
        float[] golden = Fixtures.f32((String) ((Map<String, Object>) c.get("last_logits")).get("file"));
        float maxAbs = 0;
        for (int i = 0; i < vocab; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(all[(ids.length - 1) * vocab + i] - golden[i]));
        }
        assertTrue(maxAbs < 1e-3, name + ": last logits max abs diff " + maxAbs);
        // Top-10 ids at every position.
        for (Map<String, Object> t : (List<Map<String, Object>>) c.get("top10")) {
            int pos = ((Number) t.get("pos")).intValue();
            ParityUtil.assertTop10(name + " pos " + pos, all, pos * vocab, vocab, Fixtures.ints(t.get("ids")),
                    (List<Object>) t.get("values"));
        }
        // Greedy continuation.
        int[] greedy = ParityUtil.greedy(model, ids, 24);
        assertArrayEquals(Fixtures.ints(c.get("greedy24")), greedy, name + " greedy");
    }

    /** 12,288 tokens: positions past 8,192 are where llama3 RoPE scaling matters. */
    @Test
    @SuppressWarnings("unchecked")
    void long12kMatchesGoldens() {
        Map<String, Object> c = goldenCase("long12k");
        int[] ids = Fixtures.i32("random-long12k-ids.i32");
        List<Map<String, Object>> top10 = (List<Map<String, Object>>) c.get("top10");
        int[] wanted = new int[top10.size()];
        for (int i = 0; i < wanted.length; i++) {
            wanted[i] = ((Number) top10.get(i).get("pos")).intValue();
        }
        float[][] logits = ParityUtil.logitsAt(model, ids, wanted);
        int vocab = model.config().vocabSize();
        for (int i = 0; i < wanted.length; i++) {
            ParityUtil.assertTop10("long12k pos " + wanted[i], logits[i], 0, vocab,
                    Fixtures.ints(top10.get(i).get("ids")), (List<Object>) top10.get(i).get("values"));
        }
        assertEquals(ids.length - 1, wanted[wanted.length - 1]);
        float[] golden = Fixtures.f32((String) ((Map<String, Object>) c.get("last_logits")).get("file"));
        float maxAbs = 0;
        for (int i = 0; i < vocab; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(logits[wanted.length - 1][i] - golden[i]));
        }
        assertTrue(maxAbs < 1e-3, "long12k last logits max abs diff " + maxAbs);
    }

    /** An fp16 cache rounds keys and values; the greedy continuations must not change. */
    @Test
    void fp16CacheKeepsGreedyTokens() {
        for (String name : new String[] {"hello", "multilingual"}) {
            Map<String, Object> c = goldenCase(name);
            int[] greedy = ParityUtil.greedy(model, Fixtures.ints(c.get("ids")), 24, KvCacheType.F16);
            assertArrayEquals(Fixtures.ints(c.get("greedy24")), greedy, name + " greedy with an f16 cache");
        }
    }
}
