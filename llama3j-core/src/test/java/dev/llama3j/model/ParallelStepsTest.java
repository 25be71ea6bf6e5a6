package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.llama3j.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * A prompt long enough that its per-token steps (norms, RoPE, cache stores) and element-wise steps
 * (residual adds, SwiGLU) are split over the workers gives the logits of one thread, and so does the
 * next step, which reads the keys and values those workers stored.
 */
class ParallelStepsTest {
    @Test
    void splittingTheStepsOverWorkersChangesNoLogit() {
        float[] one;
        try (LlamaModel model = ModelLoader.load(Fixtures.randomModel(), 1, 64)) {
            one = logits(model);
        }
        try (LlamaModel model = ModelLoader.load(Fixtures.randomModel(), 3, 64)) {
            // To 1e-4, not bit for bit: which passes run before the JIT compiles the Vector API's
            // reductions (done in Java in another order until then) differs between the two models.
            assertArrayEquals(one, logits(model), 1e-4f);
        }
    }

    /** The last token's logits of a 50-token prompt, then of one step after it. */
    private static float[] logits(LlamaModel model) {
        int vocab = model.config().vocabSize();
        KvCache cache = model.newCache(64, KvCacheType.F16);
        Batch batch = new Batch(64);
        int n = 50;
        for (int i = 0; i < n; i++) {
            batch.add(100 + 7 * i, i, cache, i == n - 1);
        }
        float[] out = new float[2 * vocab];
        model.forward(batch, out);
        batch.clear();
        batch.add(42, n, cache, true);
        float[] step = new float[vocab];
        model.forward(batch, step);
        System.arraycopy(step, 0, out, vocab, vocab);
        return out;
    }
}
