package dev.llama3j.model;

import dev.llama3j.tensor.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal self-attention of one token's query heads that share a key/value head, over its sequence's
 * cache: scores for {@link #L} positions at a time from the transposed keys (four heads per key load),
 * a vectorised softmax, then the values weighted and summed. Work buffers are per thread.
 */
final class Attention {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = F.length();

    /** Per-thread buffers: scores, and fp32 copies of fp16 keys and values. */
    private static final class Scratch {
        float[] scores = new float[0];
        float[] keys = new float[0];
        float[] values = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Attention() {}

    /**
     * Writes the attention output of the {@code group} query heads starting at {@code q[qOff]} to
     * {@code out[oOff]} ({@code group * headDim} values), attending to positions {@code [0, len)} of
     * key/value head {@code g} of layer {@code layer}.
     */
    static void heads(KvCache cache, int layer, int g, int len, int headDim, int kvDim, int group, float[] q,
            int qOff, float[] out, int oOff) {
        Scratch s = SCRATCH.get();
        float[] keys;
        int kOff;
        int kStride;
        float[] values;
        int vOff;
        int vStride;
        if (cache.type() == KvCacheType.F32) {
            keys = cache.keys[layer];
            kOff = g * headDim * cache.capacity();
            kStride = cache.capacity();
            values = cache.values[layer];
            vOff = g * headDim;
            vStride = kvDim;
        } else {
            if (s.keys.length < headDim * len) {
                s.keys = new float[Math.max(headDim * len, 2 * s.keys.length)];
                s.values = new float[s.keys.length];
            }
            keys = s.keys;
            cache.widenKeys(layer, g * headDim, headDim, len, keys);
            kOff = 0;
            kStride = len;
            values = s.values;
            cache.widenValues(layer, g * headDim, headDim, len, values);
            vOff = 0;
            vStride = headDim;
        }
        if (s.scores.length < group * len) {
            s.scores = new float[Math.max(group * len, 2 * s.scores.length)];
        }
        float[] scores = s.scores;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int h = 0;
        for (; h + 4 <= group; h += 4) {
            scores4(q, qOff + h * headDim, headDim, keys, kOff, kStride, len, scores, h * len, scale);
        }
        for (; h < group; h++) {
            scores1(q, qOff + h * headDim, headDim, keys, kOff, kStride, len, scores, h * len, scale);
        }
        for (h = 0; h < group; h++) {
            softmax(scores, h * len, len);
            weightedValues(scores, h * len, len, values, vOff, vStride, headDim, out, oOff + h * headDim);
        }
    }

    /** Scaled scores of four heads ({@code q[qOff]}, then every {@code headDim}) for all positions. */
    private static void scores4(float[] q, int qOff, int hd, float[] k, int kOff, int kStride, int len, float[] s,
            int sOff, float scale) {
        int t = 0;
        for (; t + L <= len; t += L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int d = 0; d < hd; d++) {
                FloatVector kv = FloatVector.fromArray(F, k, kOff + d * kStride + t);
                a0 = kv.fma(FloatVector.broadcast(F, q[qOff + d]), a0);
                a1 = kv.fma(FloatVector.broadcast(F, q[qOff + hd + d]), a1);
                a2 = kv.fma(FloatVector.broadcast(F, q[qOff + 2 * hd + d]), a2);
                a3 = kv.fma(FloatVector.broadcast(F, q[qOff + 3 * hd + d]), a3);
            }
            a0.mul(scale).intoArray(s, sOff + t);
            a1.mul(scale).intoArray(s, sOff + len + t);
            a2.mul(scale).intoArray(s, sOff + 2 * len + t);
            a3.mul(scale).intoArray(s, sOff + 3 * len + t);
        }
        for (; t < len; t++) {
            for (int h = 0; h < 4; h++) {
                float sum = 0;
                for (int d = 0; d < hd; d++) {
                    sum += q[qOff + h * hd + d] * k[kOff + d * kStride + t];
                }
                s[sOff + h * len + t] = sum * scale;
            }
        }
    }

    private static void scores1(float[] q, int qOff, int hd, float[] k, int kOff, int kStride, int len, float[] s,
            int sOff, float scale) {
        int t = 0;
        for (; t + L <= len; t += L) {
            FloatVector a = FloatVector.zero(F);
            for (int d = 0; d < hd; d++) {
                a = FloatVector.fromArray(F, k, kOff + d * kStride + t).fma(FloatVector.broadcast(F, q[qOff + d]), a);
            }
            a.mul(scale).intoArray(s, sOff + t);
        }
        for (; t < len; t++) {
            float sum = 0;
            for (int d = 0; d < hd; d++) {
                sum += q[qOff + d] * k[kOff + d * kStride + t];
            }
            s[sOff + t] = sum * scale;
        }
    }

    /** In-place softmax of {@code s[off .. off+len)}. */
    private static void softmax(float[] s, int off, int len) {
        float max = Float.NEGATIVE_INFINITY;
        int t = 0;
        if (len >= L) {
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; t + L <= len; t += L) {
                m = FloatVector.fromArray(F, s, off + t).max(m);
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; t < len; t++) {
            max = Math.max(max, s[off + t]);
        }
        float sum = 0;
        t = 0;
        if (len >= L) {
            FloatVector mv = FloatVector.broadcast(F, max);
            FloatVector acc = FloatVector.zero(F);
            for (; t + L <= len; t += L) {
                FloatVector e = FloatVector.fromArray(F, s, off + t).sub(mv).lanewise(VectorOperators.EXP);
                e.intoArray(s, off + t);
                acc = e.add(acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; t < len; t++) {
            float e = (float) Math.exp(s[off + t] - max);
            s[off + t] = e;
            sum += e;
        }
        float inv = 1 / sum;
        t = 0;
        if (len >= L) {
            FloatVector iv = FloatVector.broadcast(F, inv);
            for (; t + L <= len; t += L) {
                FloatVector.fromArray(F, s, off + t).mul(iv).intoArray(s, off + t);
            }
        }
        for (; t < len; t++) {
            s[off + t] *= inv;
        }
    }

    /** {@code out[d] = sum_t p[t] * values[vOff + t*vStride + d]} for {@code d < hd}. */
    private static void weightedValues(float[] p, int pOff, int len, float[] v, int vOff, int vStride, int hd,
            float[] out, int oOff) {
        if (hd == 4 * L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int t = 0; t < len; t++) {
                FloatVector w = FloatVector.broadcast(F, p[pOff + t]);
                int r = vOff + t * vStride;
                a0 = FloatVector.fromArray(F, v, r).fma(w, a0);
                a1 = FloatVector.fromArray(F, v, r + L).fma(w, a1);
                a2 = FloatVector.fromArray(F, v, r + 2 * L).fma(w, a2);
                a3 = FloatVector.fromArray(F, v, r + 3 * L).fma(w, a3);
            }
            a0.intoArray(out, oOff);
            a1.intoArray(out, oOff + L);
            a2.intoArray(out, oOff + 2 * L);
            a3.intoArray(out, oOff + 3 * L);
        } else if (hd % L == 0) {
            for (int j = 0; j < hd; j += L) {
                FloatVector a = FloatVector.zero(F);
                for (int t = 0; t < len; t++) {
                    a = FloatVector.fromArray(F, v, vOff + t * vStride + j).fma(FloatVector.broadcast(F, p[pOff + t]), a);
                }
                a.intoArray(out, oOff + j);
            }
        } else {
            for (int d = 0; d < hd; d++) {
                float sum = 0;
                for (int t = 0; t < len; t++) {
                    sum += p[pOff + t] * v[vOff + t * vStride + d];
                }
                out[oOff + d] = sum;
            }
        }
    }
}
