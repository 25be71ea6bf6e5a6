package dev.llama3j.model;

import dev.llama3j.tensor.CacheLines;
import dev.llama3j.tensor.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal self-attention of one token's query heads that share a key/value head, over its sequence's
 * cache: scores for {@link KvCache#TILE} positions at a time from the key tiles (four heads per key
 * load, positions in vector lanes), a vectorised softmax, then the values weighted and summed.
 * Everything streams through the cache in position order. Work buffers are per thread.
 *
 * <p>Kernels take arrays, never vectors, and update loop-carried vectors as {@code acc = x.op(acc)}:
 * see the tensor package's notes on what makes C2 box vectors.
 */
final class Attention {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = F.length();
    private static final int TILE = KvCache.TILE;
    /** Positions of fp16 values widened at a time. */
    private static final int VALUE_CHUNK = 64;
    private static final int LINE_FLOATS = CacheLines.LINE_FLOATS;

    /**
     * Most bytes of one key/value head's fp32 copy (keys and values) that {@link #promptHeads} keeps per
     * thread; longer contexts widen a block at a time as {@link #heads} does.
     */
    static final int WIDE_BUDGET_BYTES = 4 << 20;

    /** Per-thread buffers: scores, fp32 copies of fp16 key tiles and value rows, and a prompt's widened head. */
    private static final class Scratch {
        float[] scores = new float[0];
        float[] keyTile = new float[0];
        float[] values = new float[0];
        // One key/value head of one cache widened to fp32 during one layer step (promptHeads): key tiles
        // [0, wideTiles) and value rows [0, wideValues), valid while cache, step and head match.
        KvCache wideCache;
        long wideStep = -1;
        int wideHead = -1;
        int wideTiles;
        int wideValues;
        float[] wideKeys = new float[0];
        float[] wideVals = new float[0];
        // Where the buffers start: at a cache line when allocated, so each vector load reads one line
        // (a collector that moves them later costs speed only).
        int wideKeyStart;
        int wideValStart;
        int keyTileStart;
        int valuesStart;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Attention() {}

    /**
     * Writes the attention output of the {@code group} query heads starting at {@code q[qOff]} to
     * {@code out[oOff]} ({@code group * headDim} values), attending to positions {@code [0, len)} of
     * key/value head {@code g} of layer {@code layer}.
     */
    static void heads(KvCache cache, int layer, int g, int len, int headDim, int group, float[] q,
            int qOff, float[] out, int oOff) {
        Scratch s = SCRATCH.get();
        if (cache.type() == KvCacheType.F32) {
            attend(s, cache, layer, g, cache.keys[layer], cache.keyTile(g, 0), cache.values[layer],
                    cache.valueRow(g, 0), len, headDim, group, q, qOff, out, oOff);
        } else {
            attend(s, cache, layer, g, null, 0, null, 0, len, headDim, group, q, qOff, out, oOff);
        }
    }

    /**
     * {@link #heads} for one of a prompt's tokens, all of whose keys and values were stored in layer
     * step {@code step} (a number no other step of any model shares) before any of them attends. The
     * fp16 keys and values of head {@code g} are widened into fp32 copies that this thread keeps while
     * it attends for the same cache, step and head, extended as later tokens reach further: each
     * token of a 512-token prompt otherwise widened its whole past again, a quarter of the attention's
     * time. The scores and sums are the ones {@link #heads} computes (the same fp32 values, the same order).
     */
    static void promptHeads(KvCache cache, int layer, int g, int len, int headDim, int group, float[] q,
            int qOff, float[] out, int oOff, long step) {
        int tiles = (len + TILE - 1) / TILE;
        int tileSize = headDim * TILE;
        if (cache.type() == KvCacheType.F32 || 8L * tiles * tileSize > WIDE_BUDGET_BYTES) {
            heads(cache, layer, g, len, headDim, group, q, qOff, out, oOff);
            return;
        }
        Scratch s = SCRATCH.get();
        if (s.wideKeys.length < LINE_FLOATS + tiles * tileSize) {
            int size = Math.min(Math.max(tiles * tileSize, 2 * s.wideKeys.length), WIDE_BUDGET_BYTES / 8);
            s.wideKeys = new float[LINE_FLOATS + size];
            s.wideVals = new float[LINE_FLOATS + size];
            s.wideCache = null; // widen again into the new arrays
        }
        if (s.wideCache != cache || s.wideStep != step || s.wideHead != g) {
            s.wideCache = cache;
            s.wideStep = step;
            s.wideHead = g;
            s.wideTiles = 0;
            s.wideValues = 0;
            s.wideKeyStart = CacheLines.firstLineStart(s.wideKeys);
            s.wideValStart = CacheLines.firstLineStart(s.wideVals);
        }
        if (tiles > s.wideTiles) {
            cache.widenKeyTiles(layer, g, s.wideTiles, tiles - s.wideTiles, s.wideKeys,
                    s.wideKeyStart + s.wideTiles * tileSize);
            s.wideTiles = tiles;
        }
        if (len > s.wideValues) {
            cache.widenValues(layer, g, s.wideValues, len - s.wideValues, s.wideVals,
                    s.wideValStart + s.wideValues * headDim);
            s.wideValues = len;
        }
        attend(s, cache, layer, g, s.wideKeys, s.wideKeyStart, s.wideVals, s.wideValStart, len, headDim, group, q,
                qOff, out, oOff);
    }

    /**
     * The attention of {@link #heads}, reading head {@code g}'s keys as fp32 tiles from
     * {@code keys[keyBase]} and its values as fp32 rows from {@code vals[valBase]}, or, where
     * {@code keys} is null, widening the cache's fp16 ones a block at a time.
     */
    private static void attend(Scratch s, KvCache cache, int layer, int g, float[] keys, int keyBase, float[] vals,
            int valBase, int len, int headDim, int group, float[] q, int qOff, float[] out, int oOff) {
        int tiles = (len + TILE - 1) / TILE;
        int stride = tiles * TILE; // scores of one head, padded to whole tiles
        if (s.scores.length < group * stride) {
            s.scores = new float[Math.max(group * stride, 2 * s.scores.length)];
        }
        if (s.keyTile.length < LINE_FLOATS + 2 * headDim * TILE) {
            s.keyTile = new float[LINE_FLOATS + 2 * headDim * TILE];
            s.values = new float[LINE_FLOATS + VALUE_CHUNK * headDim];
            s.keyTileStart = CacheLines.firstLineStart(s.keyTile);
            s.valuesStart = CacheLines.firstLineStart(s.values);
        }
        boolean f32 = keys != null;
        int keyTileStart = s.keyTileStart;
        int valuesStart = s.valuesStart;
        float[] scores = s.scores;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int tileSize = headDim * TILE;
        for (int j = 0; j < tiles; ) {
            // Two tiles at a time for four heads where possible: two key loads feed eight FMAs.
            int count = group % 4 == 0 && j + 2 <= tiles ? 2 : 1;
            float[] k = f32 ? keys : s.keyTile;
            int kBase = f32 ? keyBase + j * tileSize : keyTileStart;
            if (!f32) {
                cache.widenKeyTiles(layer, g, j, count, s.keyTile, keyTileStart);
            }
            int h = 0;
            if (count == 2) {
                for (; h < group; h += 4) {
                    scores4x2(q, qOff + h * headDim, headDim, k, kBase, kBase + tileSize, scores,
                            h * stride + j * TILE, stride, scale);
                }
            } else {
                for (; h + 4 <= group; h += 4) {
                    scores4(q, qOff + h * headDim, headDim, k, kBase, scores, h * stride + j * TILE, stride, scale);
                }
                for (; h < group; h++) {
                    scores1(q, qOff + h * headDim, headDim, k, kBase, scores, h * stride + j * TILE, scale);
                }
            }
            j += count;
        }
        for (int h = 0; h < group; h++) {
            softmax(scores, h * stride, len);
            java.util.Arrays.fill(out, oOff + h * headDim, oOff + (h + 1) * headDim, 0f);
        }
        boolean four = headDim == 4 * L && group % 4 == 0;
        if (f32) {
            values(scores, stride, 0, len, vals, valBase, headDim, group, four, out, oOff);
        } else {
            for (int t0 = 0; t0 < len; t0 += VALUE_CHUNK) {
                int count = Math.min(VALUE_CHUNK, len - t0);
                cache.widenValues(layer, g, t0, count, s.values, valuesStart);
                values(scores, stride, t0, count, s.values, valuesStart, headDim, group, four, out, oOff);
            }
        }
    }

    /** Adds the values of positions {@code [t0, t0+count)} (rows from {@code v[vOff]}) weighted by each head's probabilities. */
    private static void values(float[] p, int stride, int t0, int count, float[] v, int vOff, int hd, int group,
            boolean four, float[] out, int oOff) {
        int h = 0;
        if (four) {
            for (; h < group; h += 4) {
                weightedValues4(p, h * stride + t0, stride, count, v, vOff, out, oOff + h * hd, hd);
            }
        }
        for (; h < group; h++) {
            weightedValues(p, h * stride + t0, count, v, vOff, hd, hd, out, oOff + h * hd);
        }
    }

    /**
     * {@link #weightedValues} for four heads of {@code 4L} dimensions at once: each value row is loaded
     * once for sixteen FMAs. The sixteen accumulators fit AVX-512's 32 registers, which is where Llama
     * 3.1's 64-dimension heads take this path; 32-dimension heads on 16-register AVX2 take it too and
     * spill, slower but correct.
     */
    private static void weightedValues4(float[] p, int pOff, int stride, int len, float[] v, int vOff, float[] out,
            int oOff, int hd) {
        FloatVector a00 = FloatVector.fromArray(F, out, oOff);
        FloatVector a01 = FloatVector.fromArray(F, out, oOff + L);
        FloatVector a02 = FloatVector.fromArray(F, out, oOff + 2 * L);
        FloatVector a03 = FloatVector.fromArray(F, out, oOff + 3 * L);
        FloatVector a10 = FloatVector.fromArray(F, out, oOff + hd);
        FloatVector a11 = FloatVector.fromArray(F, out, oOff + hd + L);
        FloatVector a12 = FloatVector.fromArray(F, out, oOff + hd + 2 * L);
        FloatVector a13 = FloatVector.fromArray(F, out, oOff + hd + 3 * L);
        FloatVector a20 = FloatVector.fromArray(F, out, oOff + 2 * hd);
        FloatVector a21 = FloatVector.fromArray(F, out, oOff + 2 * hd + L);
        FloatVector a22 = FloatVector.fromArray(F, out, oOff + 2 * hd + 2 * L);
        FloatVector a23 = FloatVector.fromArray(F, out, oOff + 2 * hd + 3 * L);
        FloatVector a30 = FloatVector.fromArray(F, out, oOff + 3 * hd);
        FloatVector a31 = FloatVector.fromArray(F, out, oOff + 3 * hd + L);
        FloatVector a32 = FloatVector.fromArray(F, out, oOff + 3 * hd + 2 * L);
        FloatVector a33 = FloatVector.fromArray(F, out, oOff + 3 * hd + 3 * L);
        for (int t = 0; t < len; t++) {
            int r = vOff + t * hd;
            FloatVector v0 = FloatVector.fromArray(F, v, r);
            FloatVector v1 = FloatVector.fromArray(F, v, r + L);
            FloatVector v2 = FloatVector.fromArray(F, v, r + 2 * L);
            FloatVector v3 = FloatVector.fromArray(F, v, r + 3 * L);
            FloatVector w = FloatVector.broadcast(F, p[pOff + t]);
            a00 = v0.fma(w, a00);
            a01 = v1.fma(w, a01);
            a02 = v2.fma(w, a02);
            a03 = v3.fma(w, a03);
            w = FloatVector.broadcast(F, p[pOff + stride + t]);
            a10 = v0.fma(w, a10);
            a11 = v1.fma(w, a11);
            a12 = v2.fma(w, a12);
            a13 = v3.fma(w, a13);
            w = FloatVector.broadcast(F, p[pOff + 2 * stride + t]);
            a20 = v0.fma(w, a20);
            a21 = v1.fma(w, a21);
            a22 = v2.fma(w, a22);
            a23 = v3.fma(w, a23);
            w = FloatVector.broadcast(F, p[pOff + 3 * stride + t]);
            a30 = v0.fma(w, a30);
            a31 = v1.fma(w, a31);
            a32 = v2.fma(w, a32);
            a33 = v3.fma(w, a33);
        }
        a00.intoArray(out, oOff);
        a01.intoArray(out, oOff + L);
        a02.intoArray(out, oOff + 2 * L);
        a03.intoArray(out, oOff + 3 * L);
        a10.intoArray(out, oOff + hd);
        a11.intoArray(out, oOff + hd + L);
        a12.intoArray(out, oOff + hd + 2 * L);
        a13.intoArray(out, oOff + hd + 3 * L);
        a20.intoArray(out, oOff + 2 * hd);
        a21.intoArray(out, oOff + 2 * hd + L);
        a22.intoArray(out, oOff + 2 * hd + 2 * L);
        a23.intoArray(out, oOff + 2 * hd + 3 * L);
        a30.intoArray(out, oOff + 3 * hd);
        a31.intoArray(out, oOff + 3 * hd + L);
        a32.intoArray(out, oOff + 3 * hd + 2 * L);
        a33.intoArray(out, oOff + 3 * hd + 3 * L);
    }

    /** {@link #scores4} for two adjacent key tiles (at {@code kA} and {@code kB}). */
    private static void scores4x2(float[] q, int qOff, int hd, float[] k, int kA, int kB, float[] s, int sOff,
            int stride, float scale) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        for (int d = 0; d < hd; d++) {
            FloatVector ka = FloatVector.fromArray(F, k, kA + d * TILE);
            FloatVector kb = FloatVector.fromArray(F, k, kB + d * TILE);
            FloatVector w = FloatVector.broadcast(F, q[qOff + d]);
            a0 = ka.fma(w, a0);
            b0 = kb.fma(w, b0);
            w = FloatVector.broadcast(F, q[qOff + hd + d]);
            a1 = ka.fma(w, a1);
            b1 = kb.fma(w, b1);
            w = FloatVector.broadcast(F, q[qOff + 2 * hd + d]);
            a2 = ka.fma(w, a2);
            b2 = kb.fma(w, b2);
            w = FloatVector.broadcast(F, q[qOff + 3 * hd + d]);
            a3 = ka.fma(w, a3);
            b3 = kb.fma(w, b3);
        }
        FloatVector sc = FloatVector.broadcast(F, scale);
        a0.mul(sc).intoArray(s, sOff);
        a1.mul(sc).intoArray(s, sOff + stride);
        a2.mul(sc).intoArray(s, sOff + 2 * stride);
        a3.mul(sc).intoArray(s, sOff + 3 * stride);
        b0.mul(sc).intoArray(s, sOff + TILE);
        b1.mul(sc).intoArray(s, sOff + stride + TILE);
        b2.mul(sc).intoArray(s, sOff + 2 * stride + TILE);
        b3.mul(sc).intoArray(s, sOff + 3 * stride + TILE);
    }

    /** Scaled scores of four heads ({@code q[qOff]}, then every {@code hd}) for one key tile. */
    private static void scores4(float[] q, int qOff, int hd, float[] k, int kBase, float[] s, int sOff, int stride,
            float scale) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int d = 0; d < hd; d++) {
            FloatVector kv = FloatVector.fromArray(F, k, kBase + d * TILE);
            a0 = kv.fma(FloatVector.broadcast(F, q[qOff + d]), a0);
            a1 = kv.fma(FloatVector.broadcast(F, q[qOff + hd + d]), a1);
            a2 = kv.fma(FloatVector.broadcast(F, q[qOff + 2 * hd + d]), a2);
            a3 = kv.fma(FloatVector.broadcast(F, q[qOff + 3 * hd + d]), a3);
        }
        FloatVector sc = FloatVector.broadcast(F, scale);
        a0.mul(sc).intoArray(s, sOff);
        a1.mul(sc).intoArray(s, sOff + stride);
        a2.mul(sc).intoArray(s, sOff + 2 * stride);
        a3.mul(sc).intoArray(s, sOff + 3 * stride);
    }

    private static void scores1(float[] q, int qOff, int hd, float[] k, int kBase, float[] s, int sOff, float scale) {
        FloatVector a = FloatVector.zero(F);
        for (int d = 0; d < hd; d++) {
            a = FloatVector.fromArray(F, k, kBase + d * TILE).fma(FloatVector.broadcast(F, q[qOff + d]), a);
        }
        a.mul(scale).intoArray(s, sOff);
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

    /** {@code out[d] += sum_t p[t] * v[vOff + t*vStride + d]} for {@code d < hd}. */
    private static void weightedValues(float[] p, int pOff, int len, float[] v, int vOff, int vStride, int hd,
            float[] out, int oOff) {
        if (hd == 4 * L) {
            FloatVector a0 = FloatVector.fromArray(F, out, oOff);
            FloatVector a1 = FloatVector.fromArray(F, out, oOff + L);
            FloatVector a2 = FloatVector.fromArray(F, out, oOff + 2 * L);
            FloatVector a3 = FloatVector.fromArray(F, out, oOff + 3 * L);
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
                FloatVector a = FloatVector.fromArray(F, out, oOff + j);
                for (int t = 0; t < len; t++) {
                    a = FloatVector.fromArray(F, v, vOff + t * vStride + j).fma(FloatVector.broadcast(F, p[pOff + t]), a);
                }
                a.intoArray(out, oOff + j);
            }
        } else {
            for (int d = 0; d < hd; d++) {
                float sum = out[oOff + d];
                for (int t = 0; t < len; t++) {
                    sum += p[pOff + t] * v[vOff + t * vStride + d];
                }
                out[oOff + d] = sum;
            }
        }
    }
}
