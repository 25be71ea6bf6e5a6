package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

/** Helpers that run a model directly, without the engine, for parity tests. */
public final class ParityUtil {
    private ParityUtil() {}

    /** Logits at every position of {@code ids}, row-major. */
    public static float[] allLogits(LlamaModel model, int[] ids) {
        return allLogits(model, ids, 0);
    }

    /** Logits at every position of {@code ids} with the model's unmerged adapter {@code adapter} (0: none). */
    public static float[] allLogits(LlamaModel model, int[] ids, int adapter) {
        int vocab = model.config().vocabSize();
        float[] out = new float[ids.length * vocab];
        KvCache cache = model.newCache(ids.length + 64);
        Batch batch = new Batch(model.maxBatch());
        float[] chunkLogits = new float[model.maxBatch() * vocab];
        for (int start = 0; start < ids.length; start += model.maxBatch()) {
            int end = Math.min(ids.length, start + model.maxBatch());
            batch.clear();
            for (int i = start; i < end; i++) {
                batch.add(ids[i], i, cache, true, adapter);
            }
            model.forward(batch, chunkLogits);
            System.arraycopy(chunkLogits, 0, out, start * vocab, (end - start) * vocab);
        }
        return out;
    }

    /** Logits only at the wanted positions (others computed but not projected). */
    public static float[][] logitsAt(LlamaModel model, int[] ids, int[] wanted) {
        int vocab = model.config().vocabSize();
        float[][] out = new float[wanted.length][];
        java.util.Set<Integer> want = new java.util.HashSet<>();
        for (int w : wanted) {
            want.add(w);
        }
        KvCache cache = model.newCache(ids.length);
        Batch batch = new Batch(model.maxBatch());
        float[] chunkLogits = new float[model.maxBatch() * vocab];
        java.util.Map<Integer, float[]> got = new java.util.HashMap<>();
        for (int start = 0; start < ids.length; start += model.maxBatch()) {
            int end = Math.min(ids.length, start + model.maxBatch());
            batch.clear();
            for (int i = start; i < end; i++) {
                batch.add(ids[i], i, cache, want.contains(i));
            }
            model.forward(batch, chunkLogits);
            int row = 0;
            for (int i = start; i < end; i++) {
                if (want.contains(i)) {
                    float[] l = new float[vocab];
                    System.arraycopy(chunkLogits, row++ * vocab, l, 0, vocab);
                    got.put(i, l);
                }
            }
        }
        for (int i = 0; i < wanted.length; i++) {
            out[i] = got.get(wanted[i]);
        }
        return out;
    }

    public static int[] greedy(LlamaModel model, int[] prompt, int n) {
        return greedy(model, prompt, n, KvCacheType.F32);
    }

    public static int[] greedy(LlamaModel model, int[] prompt, int n, KvCacheType cacheType) {
        return greedy(model, prompt, n, cacheType, 0);
    }

    /** Greedy continuation with the model's unmerged adapter {@code adapter} (0: none). */
    public static int[] greedy(LlamaModel model, int[] prompt, int n, KvCacheType cacheType, int adapter) {
        int vocab = model.config().vocabSize();
        KvCache cache = model.newCache(prompt.length + n + 1, cacheType);
        Batch batch = new Batch(model.maxBatch());
        float[] logits = new float[model.maxBatch() * vocab];
        for (int start = 0; start < prompt.length; start += model.maxBatch()) {
            int end = Math.min(prompt.length, start + model.maxBatch());
            batch.clear();
            for (int i = start; i < end; i++) {
                batch.add(prompt[i], i, cache, i == prompt.length - 1, adapter);
            }
            model.forward(batch, logits);
        }
        int[] out = new int[n];
        for (int step = 0; step < n; step++) {
            int next = argmax(logits, 0, vocab);
            out[step] = next;
            batch.clear();
            batch.add(next, prompt.length + step, cache, true, adapter);
            model.forward(batch, logits);
        }
        return out;
    }


    public static int argmax(float[] a, int off, int len) {
        int best = 0;
        for (int i = 1; i < len; i++) {
            if (a[off + i] > a[off + best]) {
                best = i;
            }
        }
        return best;
    }

    /** Top-10 ids must match the golden order, except where golden values are within 1e-3 (ties). */
    public static void assertTop10(String what, float[] logits, int off, int vocab, int[] goldenIds,
            List<Object> goldenValues) {
        int[] idx = dev.llama3j.sampling.TopK.indices(logits, off, vocab, goldenIds.length);
        for (int i = 0; i < goldenIds.length; i++) {
            int expected = goldenIds[i];
            int actual = idx[i];
            if (expected != actual) {
                // A swap between near-equal values is not a disagreement.
                double gv = ((Number) goldenValues.get(i)).doubleValue();
                double av = logits[off + actual];
                if (Math.abs(gv - av) > 2e-3) {
                    assertEquals(expected, actual, what + ": top-10 rank " + i + " (golden value " + gv
                            + ", ours " + logits[off + expected] + " vs " + av + ")");
                }
            }
            double gv = ((Number) goldenValues.get(i)).doubleValue();
            assertEquals(gv, logits[off + expected], 1e-3, what + ": logit of top-10 id " + expected);
        }
    }
}
