package dev.llama3j.tensor;

/**
 * How Q6_K matrices are repacked for the kernels ({@link PackedQ6KMatrix}): a byte a weight, or the
 * file's 6 bits in {@link Q6KColumns}' form. The byte form needs fewer instructions (steps of several
 * sequences and 8B generation are faster with it: docs/SPEED.md, findings 27 and 35) but holds 0.18
 * bytes a weight more than the file. That is little where Q6_K is a minority (the output layer of a
 * Q4_0 file; a Q4_K_M file's output and half its {@code ffn_down}), and too much where it is the
 * file's main type: a 1B Q6_K file took 1,594 MB against llama.cpp's 1,049, an 8B one would take 1.4
 * GB more than its file. So a model whose weights are mostly Q6_K gets the compact form (1B Q6_K:
 * 1,349 MB; generation as fast on the AMD EPYC, finding 36, 2% slower on the Intel Xeon and its 8
 * sequences 20-35% slower there, finding 37), any other the byte form; an output layer that is a
 * model's only Q6_K matrix (a Q4_0 file's) is compact where the model is loaded for one sequence at
 * a time ({@link #forOutput}).
 *
 * <p>{@code -Dllama3j.q6kLayout=byte|compact} forces either, for every model.
 */
public enum Q6KLayout {
    /** One signed byte a weight, unpacked and centred. */
    BYTE,
    /** Six bits a weight ({@link Q6KColumns}), decoded with shifts in the kernels. */
    COMPACT;

    static final String PROPERTY = "llama3j.q6kLayout";

    /** What {@code -Dllama3j.q6kLayout} forces, or null where it is not set (or not valid, which it says). */
    private static final Q6KLayout FORCED = parse(System.getProperty(PROPERTY));

    /**
     * The layout for a model whose matrices hold {@code q6kWeights} Q6_K weights among {@code weights}
     * in all: compact when they are more than half, unless the property forces one.
     */
    public static Q6KLayout forModel(long q6kWeights, long weights) {
        return choose(FORCED, q6kWeights, weights);
    }

    /**
     * The layout of the output layer (and of the token embeddings tied to it) in a model whose Q6_K
     * matrices otherwise take {@code model}, loaded to generate {@code sequences} at a time: compact
     * for one sequence where the output layer is the only Q6_K matrix ({@code alone}), unless the
     * property forces a layout. Its product is then a pass over the whole matrix for a single input,
     * bound by the memory: 0.82 bytes a weight instead of 1.07 (1B: 205 instead of 268 MB a token,
     * read in 6.0-6.4 instead of 8.0-8.3 ms with two threads; 1B Q4_0 generation won 19 of 22 rounds
     * with it). Beside byte-form Q6_K layers (Q4_K_M files) it was measured no faster (won 14 of 22
     * rounds, then 2 of 12), and the compact form's steps of several sequences are slower (1B Q4_0, 8
     * sequences: 6-26%), so those keep {@code model}, as does a model loaded for a count not known
     * (0) (docs/SPEED.md, finding 41).
     */
    public static Q6KLayout forOutput(Q6KLayout model, int sequences, boolean alone) {
        return FORCED == null && sequences == 1 && alone ? COMPACT : model;
    }

    /** The layout of a Q6_K matrix packed on its own, outside a model: the byte form unless forced. */
    static Q6KLayout alone() {
        return FORCED != null ? FORCED : BYTE;
    }

    static Q6KLayout choose(Q6KLayout forced, long q6kWeights, long weights) {
        if (forced != null) {
            return forced;
        }
        return 2 * q6kWeights > weights ? COMPACT : BYTE;
    }

    /** The layout {@code value} names ({@code byte} or {@code compact}); null for null or, saying so on stderr, another. */
    static Q6KLayout parse(String value) {
        String v = KernelTuning.valid(PROPERTY, value, "compact", "byte");
        return v == null ? null : v.equals("compact") ? COMPACT : BYTE;
    }
}
