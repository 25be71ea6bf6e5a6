package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.llama3j.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** The warm-up steps at the end of loading leave nothing behind but compiled code. */
class WarmUpTest {
    @Test
    void logitsAreTheSameBeforeAndAfterAWarmUp() {
        try (LlamaModel model = ModelLoader.load(Fixtures.randomModel(), 2, 256)) {
            float[] before = logits(model);
            model.warmUp(KvCacheType.F16);
            model.warmUp(KvCacheType.F32);
            // Not bit for bit: before the JIT compiles them, the Vector API's reductions run in Java
            // in another order, so the first pass differs in the last bits (0.74084866 vs 0.7408488).
            assertArrayEquals(before, logits(model), 1e-4f);
        }
    }

    /** The last token's logits of a short prompt, then of one generated step, from a fresh cache. */
    static float[] logits(LlamaModel model) {
        int vocab = model.config().vocabSize();
        KvCache cache = model.newCache(16, KvCacheType.F16);
        Batch batch = new Batch(8);
        float[] out = new float[2 * vocab];
        for (int i = 0; i < 5; i++) {
            batch.add(100 + 7 * i, i, cache, i == 4);
        }
        model.forward(batch, out);
        batch.clear();
        batch.add(42, 5, cache, true);
        float[] step = new float[vocab];
        model.forward(batch, step);
        System.arraycopy(step, 0, out, vocab, vocab);
        return out;
    }
}
