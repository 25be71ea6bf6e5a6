package dev.llama3j.model;

/**
 * The keys and values one sequence has computed, per layer, for positions {@code [0, capacity)}.
 * Allocated once for the context; a sequence that is reset or trimmed just moves {@link #length}.
 *
 * <p>Keys are stored transposed in tiles: per key/value head and per {@link #TILE} positions, one
 * contiguous tile of {@code headDim × TILE} values, dimension-major. Attention then reads the scores
 * of {@code TILE} positions straight into vector lanes with no horizontal sums, and the tiles stream
 * sequentially through memory as the positions advance. Values keep one row per position. With
 * {@link KvCacheType#F16} both are fp16, widened to fp32 a tile at a time for attention (loops the
 * JIT turns into vector conversions).
 */
public final class KvCache {
    /** Positions per key tile: one float vector. */
    static final int TILE = dev.llama3j.tensor.Species.F.length();

    private final KvCacheType type;
    private final int layers;
    private final int kvDim;
    private final int headDim;
    private final int capacity;
    private final int tiles;
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
        this.headDim = config.headDim();
        this.capacity = capacity;
        this.tiles = (capacity + TILE - 1) / TILE;
        long keyElements = (long) tiles * TILE * kvDim;
        long valueElements = (long) capacity * kvDim;
        if (keyElements > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("context of " + capacity + " tokens is too large for one layer's cache");
        }
        if (type == KvCacheType.F32) {
            keys = new float[layers][(int) keyElements];
            values = new float[layers][(int) valueElements];
            keys16 = null;
            values16 = null;
        } else {
            keys = null;
            values = null;
            keys16 = new short[layers][(int) keyElements];
            values16 = new short[layers][(int) valueElements];
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

    /** Bytes held by the cache (key tiles round the context up to whole tiles). */
    public long bytes() {
        return bytes(layers, kvDim, capacity, type);
    }

    /**
     * Bytes a cache of {@code capacity} positions allocates: values for every position, keys for the
     * positions rounded up to whole tiles (a tile is one vector: 16 positions with AVX-512).
     */
    public static long bytes(int layers, int kvDim, long capacity, KvCacheType type) {
        long keyPositions = (capacity + TILE - 1) / TILE * TILE;
        return (long) layers * (keyPositions + capacity) * kvDim * type.bytes;
    }

    /** Index of key tile {@code tile} of key/value head {@code g} in a layer's key array. */
    int keyTile(int g, int tile) {
        return (g * tiles + tile) * headDim * TILE;
    }

    /** Stores one position's keys ({@code kvDim} values from {@code k[kOff]}) and values. */
    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int vBase = pos * kvDim;
        int tile = pos / TILE;
        int lane = pos % TILE;
        if (type == KvCacheType.F32) {
            float[] kt = keys[layer];
            for (int g = 0; g < kvDim / headDim; g++) {
                int base = keyTile(g, tile) + lane;
                for (int d = 0; d < headDim; d++) {
                    kt[base + d * TILE] = k[kOff + g * headDim + d];
                }
            }
            System.arraycopy(v, vOff, values[layer], vBase, kvDim);
        } else {
            short[] kt = keys16[layer];
            for (int g = 0; g < kvDim / headDim; g++) {
                int base = keyTile(g, tile) + lane;
                for (int d = 0; d < headDim; d++) {
                    kt[base + d * TILE] = Float.floatToFloat16(k[kOff + g * headDim + d]);
                }
            }
            short[] vt = values16[layer];
            for (int i = 0; i < kvDim; i++) {
                vt[vBase + i] = Float.floatToFloat16(v[vOff + i]);
            }
        }
    }

    /** Widens fp16 key tile {@code tile} of head {@code g} ({@code headDim × TILE} values) into {@code dst}. */
    void widenKeyTile(int layer, int g, int tile, float[] dst) {
        short[] kt = keys16[layer];
        int src = keyTile(g, tile);
        int n = headDim * TILE;
        for (int i = 0; i < n; i++) {
            dst[i] = Float.float16ToFloat(kt[src + i]);
        }
    }

    /**
     * Widens the fp16 values of head {@code g} for positions {@code [t0, t0+count)} into
     * {@code dst[(t-t0)*headDim + d]}.
     */
    void widenValues(int layer, int g, int t0, int count, float[] dst) {
        short[] vt = values16[layer];
        for (int t = 0; t < count; t++) {
            int src = (t0 + t) * kvDim + g * headDim;
            int o = t * headDim;
            for (int d = 0; d < headDim; d++) {
                dst[o + d] = Float.float16ToFloat(vt[src + d]);
            }
        }
    }
}
