package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The vectorised attention kernels against a plain double-precision reference, over head shapes and lengths. */
class AttentionTest {

    @ParameterizedTest(name = "{0} cache, {1} heads / {2} kv heads, head dim {3}, {4} positions")
    @CsvSource({
        "F32, 32, 8, 64, 1", "F32, 32, 8, 64, 17", "F32, 32, 8, 64, 100", "F32, 32, 8, 64, 333",
        "F16, 32, 8, 64, 1", "F16, 32, 8, 64, 47", "F16, 32, 8, 64, 129", "F16, 32, 8, 64, 333",
        "F16, 4, 2, 16, 37", "F32, 4, 2, 16, 37", "F16, 24, 8, 32, 70", "F32, 32, 8, 32, 90", "F16, 16, 4, 16, 45", "F32, 12, 4, 128, 65", "F16, 8, 8, 64, 50"
    })
    void matchesReference(KvCacheType type, int heads, int kvHeads, int headDim, int len) {
        LlamaConfig config = new LlamaConfig(16, heads * headDim, 32, 1, heads, kvHeads, headDim, 1e-5f, 500000,
                null, 4096, true, 1, new int[] {2});
        int kvDim = kvHeads * headDim;
        int group = heads / kvHeads;
        KvCache cache = new KvCache(config, len + 5, type);
        Random random = new Random(len * 31 + heads);
        float[][] keys = new float[len][kvDim];
        float[][] values = new float[len][kvDim];
        for (int t = 0; t < len; t++) {
            for (int i = 0; i < kvDim; i++) {
                keys[t][i] = round(type, (float) random.nextGaussian());
                values[t][i] = round(type, (float) random.nextGaussian());
            }
            cache.store(0, t, keys[t], 0, values[t], 0);
        }
        float[] q = new float[heads * headDim];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) random.nextGaussian();
        }
        float[] out = new float[q.length];
        for (int g = 0; g < kvHeads; g++) {
            int off = g * group * headDim;
            Attention.heads(cache, 0, g, len, headDim, group, q, off, out, off);
        }
        for (int h = 0; h < heads; h++) {
            int g = h / group;
            double[] scores = new double[len];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < len; t++) {
                double dot = 0;
                for (int d = 0; d < headDim; d++) {
                    dot += (double) q[h * headDim + d] * keys[t][g * headDim + d];
                }
                scores[t] = dot / Math.sqrt(headDim);
                max = Math.max(max, scores[t]);
            }
            double sum = 0;
            for (int t = 0; t < len; t++) {
                scores[t] = Math.exp(scores[t] - max);
                sum += scores[t];
            }
            for (int d = 0; d < headDim; d++) {
                double expected = 0;
                for (int t = 0; t < len; t++) {
                    expected += scores[t] / sum * values[t][g * headDim + d];
                }
                assertEquals(expected, out[h * headDim + d], 2e-4, "head " + h + " dim " + d);
            }
        }
    }

    private static float round(KvCacheType type, float x) {
        return type == KvCacheType.F16 ? Float.float16ToFloat(Float.floatToFloat16(x)) : x;
    }
}
