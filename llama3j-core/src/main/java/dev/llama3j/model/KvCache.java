package dev.llama3j.model;

/**
 * The keys and values one sequence has computed, per layer, for positions {@code [0, capacity)}.
 * Allocated once for the context; a sequence that is reset or trimmed just moves {@link #length}.
 *
 * <p>Keys are stored transposed — per key/value head, one row per head dimension holding that
 * dimension for every position — so that attention scores for many positions come out of vector
 * lanes without horizontal sums. Values keep one row per position. With {@link KvCacheType#F16}
 * both are fp16 and widened to fp32 for attention (a loop the JIT turns into vector conversions).
 */
public final class KvCache {
    private final KvCacheType type;
    private final int layers;
    private final int kvDim;
    private final int capacity;
    final float[][] keys;
    final float[][] values;
    final short[][] keys16;
    final short[][] values16;
    private int length;

    public KvCache(LlamaConfig config, int capacity) {
        this(config, capacity, KvCacheType.F32);
    }

    public KvCache(LlamaConfig config, int capacity, KvCacheType type) {
        this.type = type;
        this.layers = config.numLayers();
        this.kvDim = config.kvDim();
        this.capacity = capacity;
        long elements = (long) capacity * kvDim;
        if (elements > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("context of " + capacity + " tokens is too large for one layer's cache");
        }
        if (type == KvCacheType.F32) {
            keys = new float[layers][(int) elements];
            values = new float[layers][(int) elements];
            keys16 = null;
            values16 = null;
        } else {
            keys = null;
            values = null;
            keys16 = new short[layers][(int) elements];
            values16 = new short[layers][(int) elements];
        }
    }

    public KvCacheType type() {
        return type;
    }

    /** Positions this cache can hold. */
    public int capacity() {
        return capacity;
    }

    /** Positions filled so far (the next token goes at this position). */
    public int length() {
        return length;
    }

    /** Forgets everything from {@code newLength} on, e.g. to reuse a shared prefix. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a cache of " + length + " positions to " + newLength);
        }
        length = newLength;
    }

    void advanceTo(int newLength) {
        length = Math.max(length, newLength);
    }

    /** Bytes held by the cache. */
    public long bytes() {
        return 2L * layers * capacity * kvDim * type.bytes;
    }

    /** Stores one position's keys ({@code kvDim} values from {@code k[kOff]}) and values. */
    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int vBase = pos * kvDim;
        if (type == KvCacheType.F32) {
            float[] kt = keys[layer];
            for (int i = 0; i < kvDim; i++) {
                kt[i * capacity + pos] = k[kOff + i];
            }
            System.arraycopy(v, vOff, values[layer], vBase, kvDim);
        } else {
            short[] kt = keys16[layer];
            short[] vt = values16[layer];
            for (int i = 0; i < kvDim; i++) {
                kt[i * capacity + pos] = Float.floatToFloat16(k[kOff + i]);
            }
            for (int i = 0; i < kvDim; i++) {
                vt[vBase + i] = Float.floatToFloat16(v[vOff + i]);
            }
        }
    }

    /**
     * Widens the fp16 keys of dimensions {@code [d0, d0+dims)} for positions {@code [0, len)} into
     * {@code dst[(d-d0)*len + t]}.
     */
    void widenKeys(int layer, int d0, int dims, int len, float[] dst) {
        short[] kt = keys16[layer];
        for (int d = 0; d < dims; d++) {
            int src = (d0 + d) * capacity;
            int o = d * len;
            for (int t = 0; t < len; t++) {
                dst[o + t] = Float.float16ToFloat(kt[src + t]);
            }
        }
    }

    /** Widens the fp16 values of dims {@code [d0, d0+dims)} for positions {@code [0, len)} into {@code dst[t*dims + d]}. */
    void widenValues(int layer, int d0, int dims, int len, float[] dst) {
        short[] vt = values16[layer];
        for (int t = 0; t < len; t++) {
            int src = t * kvDim + d0;
            int o = t * dims;
            for (int d = 0; d < dims; d++) {
                dst[o + d] = Float.float16ToFloat(vt[src + d]);
            }
        }
    }
}
