package dev.llama3j.model;

/**
 * The tokens of one forward pass: each with its position, the cache of the sequence it belongs to,
 * and whether its logits are wanted. Tokens of several sequences can share a batch (continuous
 * batching); a prompt is a run of consecutive positions of one sequence. Each token also names the
 * LoRA adapter its sequence uses ({@link ProjectionAdapters}; 0 for none). Reused between steps.
 */
public final class Batch {
    final int[] tokens;
    final int[] positions;
    final KvCache[] caches;
    final boolean[] wantLogits;
    final int[] adapters;
    private int size;
    private int outputs;

    public Batch(int capacity) {
        tokens = new int[capacity];
        positions = new int[capacity];
        caches = new KvCache[capacity];
        wantLogits = new boolean[capacity];
        adapters = new int[capacity];
    }

    public int capacity() {
        return tokens.length;
    }

    public int size() {
        return size;
    }

    /** How many tokens want logits; {@link LlamaModel#forward} writes that many rows, in batch order. */
    public int outputs() {
        return outputs;
    }

    public boolean isFull() {
        return size == tokens.length;
    }

    public void clear() {
        for (int i = 0; i < size; i++) {
            caches[i] = null;
        }
        size = 0;
        outputs = 0;
    }

    /** Adds a token of a sequence without an adapter; returns its index in the batch. */
    public int add(int token, int position, KvCache cache, boolean logits) {
        return add(token, position, cache, logits, 0);
    }

    /**
     * Adds a token; returns its index in the batch.
     *
     * @param adapter the sequence's adapter: 0 for none, {@code i + 1} for the model's {@code i}-th
     *     unmerged adapter ({@link ProjectionAdapters#names()})
     */
    public int add(int token, int position, KvCache cache, boolean logits, int adapter) {
        if (size == tokens.length) {
            throw new IllegalStateException("batch is full (" + size + " tokens)");
        }
        tokens[size] = token;
        positions[size] = position;
        caches[size] = cache;
        wantLogits[size] = logits;
        adapters[size] = adapter;
        if (logits) {
            outputs++;
        }
        return size++;
    }

    public int token(int i) {
        return tokens[i];
    }

    public int position(int i) {
        return positions[i];
    }

    /** Whether token {@code i}'s logits are wanted. */
    public boolean wantsLogits(int i) {
        return wantLogits[i];
    }

    /** The adapter of token {@code i}: 0 for none. */
    public int adapter(int i) {
        return adapters[i];
    }
}
