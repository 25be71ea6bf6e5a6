package dev.llama3j.model;

/**
 * The keys and values one sequence has computed, per layer, for positions {@code [0, capacity)}.
 * Allocated once for the context; a sequence that is reset or trimmed just moves {@link #length}.
 *
 * <p>Keys are stored transposed in tiles: per key/value head and per {@link #TILE} positions, one
 * contiguous tile of {@code headDim × TILE} values, dimension-major. Attention then reads the scores
 * of {@code TILE} positions straight into vector lanes with no horizontal sums, and the tiles stream
 * sequentially through memory as the positions advance. Values are stored per key/value head, one
 * row of {@code headDim} per position, so one head's values are contiguous too. With
 * {@link KvCacheType#F16} both are fp16, widened to fp32 a block at a time for attention (plain
 * contiguous loops, which the JIT turns into vector conversions).
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

    /** Index of the values of key/value head {@code g} at position {@code pos} in a layer's value array. */
    int valueRow(int g, int pos) {
        return (g * capacity + pos) * headDim;
    }

    /** Stores one position's keys ({@code kvDim} values from {@code k[kOff]}) and values. */
    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int tile = pos / TILE;
        int lane = pos % TILE;
        for (int g = 0; g < kvDim / headDim; g++) {
            int src = g * headDim;
            int kBase = keyTile(g, tile) + lane;
            int vBase = valueRow(g, pos);
            if (type == KvCacheType.F32) {
                float[] kt = keys[layer];
                for (int d = 0; d < headDim; d++) {
                    kt[kBase + d * TILE] = k[kOff + src + d];
                }
                System.arraycopy(v, vOff + src, values[layer], vBase, headDim);
            } else {
                short[] kt = keys16[layer];
                short[] vt = values16[layer];
                for (int d = 0; d < headDim; d++) {
                    kt[kBase + d * TILE] = Float.floatToFloat16(k[kOff + src + d]);
                    vt[vBase + d] = Float.floatToFloat16(v[vOff + src + d]);
                }
            }
        }
    }

    /**
     * Widens {@code count} consecutive fp16 key tiles of head {@code g}, from {@code tile} on
     * ({@code headDim × TILE} values each, adjacent in memory), into {@code dst} from {@code dstOff}.
     */
    void widenKeyTiles(int layer, int g, int tile, int count, float[] dst, int dstOff) {
        widen(keys16[layer], keyTile(g, tile), dst, dstOff, count * headDim * TILE);
    }

    /**
     * Widens the fp16 values of head {@code g} for positions {@code [t0, t0+count)} into
     * {@code dst[dstOff + (t-t0)*headDim + d]}.
     */
    void widenValues(int layer, int g, int t0, int count, float[] dst, int dstOff) {
        widen(values16[layer], valueRow(g, t0), dst, dstOff, count * headDim);
    }

    /** {@code dst[dstOff+i] = src[off+i]} as fp32 for {@code i < n}: a contiguous loop C2 compiles to vector conversions. */
    private static void widen(short[] src, int off, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src[off + i]);
        }
    }
}
