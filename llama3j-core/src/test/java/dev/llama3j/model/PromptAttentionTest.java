package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Attention#promptHeads}, which keeps one key/value head widened to fp32 per thread and
 * extends it as a prompt's tokens reach further, gives the same bits as {@link Attention#heads}, which
 * widens every token's past again: tokens in order and out of order, heads and caches changing between
 * calls, a new layer step after positions were overwritten, and a context past the per-thread budget.
 */
class PromptAttentionTest {
    private static final int HEADS = 32;
    private static final int KV_HEADS = 8;
    private static final int HEAD_DIM = 64;

    private final LlamaConfig config = new LlamaConfig(16, HEADS * HEAD_DIM, 32, 2, HEADS, KV_HEADS, HEAD_DIM, 1e-5f,
            500000, null, 4096, true, 1, new int[] {2});
    private final Random random = new Random(5);

    @Test
    void sameBitsAsWideningEachTokensPast() {
        int len = 300;
        KvCache a = filled(len);
        KvCache b = filled(len);
        float[] q = queries(len);
        long step = 1;
        // Head by head, tokens in order (as a prompt's items are numbered), on layer 1: every token on
        // the first heads, every seventh on the others.
        for (int g = 0; g < KV_HEADS; g++) {
            for (int t = 0; t < len; t += g < 2 ? 1 : 7) {
                check(a, 1, g, t, q, step);
            }
        }
        // Going back to shorter pasts, and switching cache and head on every call.
        for (int t = len - 1; t >= 0; t -= 13) {
            check(b, 1, t % KV_HEADS, t, q, step);
            check(a, 1, t % KV_HEADS, t, q, step);
        }
        // A later step on the same cache, head and layer after positions were written again.
        for (int t = 0; t < len; t++) {
            if (t >= 100 && t < 150) {
                float[] k = gaussian(config.kvDim());
                a.store(1, t, k, 0, gaussian(config.kvDim()), 0);
            }
        }
        step++;
        for (int t = 0; t < len; t += 11) {
            check(a, 1, 3, t, q, step);
        }
    }

    @Test
    void pastTheBudgetFallsBackToBlocks() {
        int tiles = Attention.WIDE_BUDGET_BYTES / (8 * HEAD_DIM * KvCache.TILE) + 2;
        int len = tiles * KvCache.TILE - 3;
        KvCache cache = filled(len);
        float[] q = queries(len);
        check(cache, 0, 2, len - 1, q, 9);
        check(cache, 0, 2, 40, q, 9);
    }

    /** Token {@code t} (position t) attending on head {@code g}: promptHeads against heads. */
    private void check(KvCache cache, int layer, int g, int t, float[] q, long step) {
        int group = HEADS / KV_HEADS;
        int qOff = t * HEADS * HEAD_DIM + g * group * HEAD_DIM;
        float[] want = new float[group * HEAD_DIM];
        float[] got = new float[group * HEAD_DIM];
        Attention.heads(cache, layer, g, t + 1, HEAD_DIM, group, q, qOff, want, 0);
        Attention.promptHeads(cache, layer, g, t + 1, HEAD_DIM, group, q, qOff, got, 0, step);
        assertArrayEquals(want, got, "head " + g + ", token " + t + ", step " + step);
    }

    private KvCache filled(int len) {
        KvCache cache = new KvCache(config, len + 5, KvCacheType.F16);
        for (int layer = 0; layer < 2; layer++) {
            for (int t = 0; t < len; t++) {
                cache.store(layer, t, gaussian(config.kvDim()), 0, gaussian(config.kvDim()), 0);
            }
        }
        return cache;
    }

    private float[] queries(int len) {
        return gaussian(len * HEADS * HEAD_DIM);
    }

    private float[] gaussian(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
