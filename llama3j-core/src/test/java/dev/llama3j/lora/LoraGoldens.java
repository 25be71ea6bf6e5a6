package dev.llama3j.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.testing.Fixtures;
import java.util.List;
import java.util.Map;

/** The {@code lora} (and base {@code random_model}) goldens, and the checks the LoRA tests share. */
final class LoraGoldens {
    private LoraGoldens() {}

    static final String ADAPTER = "lora-tiny-random";

    static LoraSpec spec() {
        return new LoraSpec(ADAPTER, Fixtures.loraAdapter());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> loraCase(String name) {
        Map<String, Object> lora = (Map<String, Object>) Fixtures.goldens().get("lora");
        for (Map<String, Object> c : (List<Map<String, Object>>) lora.get("cases")) {
            if (c.get("name").equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no lora golden case " + name);
    }

    static Map<String, Object> baseCase(String name) {
        for (Map<String, Object> c : Fixtures.goldenList("random_model")) {
            if (c.get("name").equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no random_model golden case " + name);
    }

    static int[] ids(Map<String, Object> c) {
        return Fixtures.ints(c.get("ids"));
    }

    static int[] greedy24(Map<String, Object> c) {
        return Fixtures.ints(c.get("greedy24"));
    }

    @SuppressWarnings("unchecked")
    static float[] lastLogits(Map<String, Object> c) {
        return Fixtures.f32((String) ((Map<String, Object>) c.get("last_logits")).get("file"));
    }

    static float maxAbs(float[] a, int off, float[] golden) {
        float m = 0;
        for (int i = 0; i < golden.length; i++) {
            m = Math.max(m, Math.abs(a[off + i] - golden[i]));
        }
        return m;
    }

    /**
     * Last-position logits within 1e-3, top-10 at the golden positions, the 24-token greedy
     * continuation; with the model's unmerged adapter {@code adapter} (0 for the model as loaded).
     * Returns the last-position max-abs difference.
     */
    @SuppressWarnings("unchecked")
    static float check(String what, LlamaModel model, int adapter, Map<String, Object> c) {
        int[] ids = ids(c);
        int vocab = model.config().vocabSize();
        float[] all = ParityUtil.allLogits(model, ids, adapter);
        float diff = maxAbs(all, (ids.length - 1) * vocab, lastLogits(c));
        System.out.printf("%s %s: last logits max abs diff %.3g%n", what, c.get("name"), diff);
        assertTrue(diff < 1e-3, what + " " + c.get("name") + ": last logits max abs diff " + diff);
        for (Map<String, Object> t : (List<Map<String, Object>>) c.get("top10")) {
            int pos = ((Number) t.get("pos")).intValue();
            ParityUtil.assertTop10(what + " " + c.get("name") + " pos " + pos, all, pos * vocab, vocab,
                    Fixtures.ints(t.get("ids")), (List<Object>) t.get("values"));
        }
        int[] greedy = ParityUtil.greedy(model, ids, 24, KvCacheType.F32, adapter);
        assertArrayEquals(greedy24(c), greedy, what + " " + c.get("name") + " greedy");
        return diff;
    }
}
