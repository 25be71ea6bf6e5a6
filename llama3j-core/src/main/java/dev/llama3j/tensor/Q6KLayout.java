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
 * sequences 20-35% slower there, finding 37), any other the byte form; the output layer of a model
 * loaded for one sequence at a time is held in both forms ({@link #forOutput}).
 *
 * <p>{@code -Dllama3j.q6kLayout=byte|compact} forces either, for every model.
 */
public enum Q6KLayout {
    /** One signed byte a weight, unpacked and centred. */
    BYTE,
    /** Six bits a weight ({@link Q6KColumns}), decoded with shifts in the kernels. */
    COMPACT,
    /**
     * Both forms at once ({@link TwoLayoutMatrix}): each one-input product through the one that has
     * been faster lately, everything else through the byte form. Only for an output layer
     * ({@link #forOutput}); never forced.
     */
    BOTH;

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
     * matrices otherwise take {@code model}, loaded to generate {@code sequences} at a time: both forms
     * for one sequence where the model's are bytes, unless the property forces a layout. One sequence's
     * output product is a pass over the whole matrix for a single input (1B: a quarter of a Q4_K_M
     * token), and which form passes faster depends on the memory's speed at the time: the byte form
     * reads 268 MB, the 6-bit one 205 MB with more instructions (2 threads, AMD EPYC: 4.6 against 5.8
     * ms while the memory was fast, 8.7 against 6.6 while it was slow; either one alone was no faster
     * over a session: docs/SPEED.md, findings 41 and 45). Holding both costs the 6-bit form's bytes
     * (1B: 205 MB). Steps of several sequences are faster with the byte form (the 6-bit form's: 6-26%
     * slower, 1B Q4_0, 8 sequences), so a model loaded for several, or for a count not known (0), keeps
     * {@code model}, as does one whose Q6_K matrices are mostly compact (its memory is the point).
     */
    public static Q6KLayout forOutput(Q6KLayout model, int sequences) {
        return FORCED == null && sequences == 1 && model == BYTE ? BOTH : model;
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
