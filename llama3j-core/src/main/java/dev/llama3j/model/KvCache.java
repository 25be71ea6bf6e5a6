package dev.llama3j.model;

/**
 * The keys and values one sequence has computed, per layer, for positions {@code [0, capacity)}.
 * Allocated once for the context; a sequence that is reset or trimmed just moves {@link #length}.
 */
public final class KvCache {
    private final int layers;
    private final int kvDim;
    private final int capacity;
    final float[][] keys;
    final float[][] values;
    private int length;

    public KvCache(LlamaConfig config, int capacity) {
        this.layers = config.numLayers();
        this.kvDim = config.kvDim();
        this.capacity = capacity;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        long floats = (long) capacity * kvDim;
        if (floats > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("context of " + capacity + " tokens is too large for one layer's cache");
        }
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[(int) floats];
            values[l] = new float[(int) floats];
        }
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
        return 2L * layers * capacity * kvDim * Float.BYTES;
    }

    /** Copies the first {@code positions} entries of {@code other} (same model) into this cache. */
    public void copyPrefixFrom(KvCache other, int positions) {
        for (int l = 0; l < layers; l++) {
            System.arraycopy(other.keys[l], 0, keys[l], 0, positions * kvDim);
            System.arraycopy(other.values[l], 0, values[l], 0, positions * kvDim);
        }
        length = positions;
    }
}
