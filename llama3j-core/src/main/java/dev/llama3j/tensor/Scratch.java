package dev.llama3j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Per-thread work buffers of the kernels, allocated once per worker thread and grown as needed. */
final class Scratch {
    private static final ThreadLocal<float[]> PANEL = new ThreadLocal<>();
    private static final ThreadLocal<short[]> INT_PANEL = new ThreadLocal<>();
    private static final ThreadLocal<float[]> BLOCK_SCALES = new ThreadLocal<>();
    private static final ThreadLocal<float[]> ROW = new ThreadLocal<>();
    private static final ThreadLocal<float[]> GROUP = new ThreadLocal<>();
    private static final ThreadLocal<float[]> TILE = new ThreadLocal<>();
    private static final ThreadLocal<float[]> SCALES = new ThreadLocal<>();
    private static final ThreadLocal<float[]> FACTORS = new ThreadLocal<>();
    private static final ThreadLocal<float[]> ACC = new ThreadLocal<>();
    private static final ThreadLocal<short[]> SUMS = new ThreadLocal<>();
    private static final ThreadLocal<short[]> COLUMNS = new ThreadLocal<>();
    private static final ThreadLocal<MemorySegment> BLOCK = new ThreadLocal<>();

    private Scratch() {}

    /**
     * Unused room after each array, 256 bytes (this many floats; twice as many shorts): the two
     * threads' arrays end up side by side wherever the collector moves them, and a cache line (or line
     * pair) shared by two threads' written arrays bounces between the cores at every write (SPEED.md,
     * finding 15).
     */
    private static final int PAD_FLOATS = 64;

    /**
     * Room for a transposed panel of {@link Gemm#G} rows of {@code cols} values, starting anywhere in
     * its first 64 bytes: at {@link #panelStart}.
     */
    static float[] panel(int cols) {
        return get(PANEL, cols * Gemm.G + CacheLines.LINE_FLOATS);
    }

    /** Where a panel from {@link #panel} starts: its first element on a cache line ({@link CacheLines}). */
    static int panelStart(float[] panel) {
        return CacheLines.firstLineStart(panel);
    }

    /**
     * Room for an {@link IntGemm} panel of {@link Gemm#G} rows of {@code cols} 16-bit values, starting
     * anywhere in its first 64 bytes: at {@link #panelStart(short[])}.
     */
    static short[] intPanel(int cols) {
        return shorts(INT_PANEL, cols * Gemm.G + 2 * CacheLines.LINE_FLOATS);
    }

    /** Where a panel from {@link #intPanel} starts: its first element on a cache line ({@link CacheLines}). */
    static int panelStart(short[] panel) {
        return CacheLines.firstLineStart(panel);
    }

    /**
     * Room for an {@link IntGemm} panel's per-block numbers for {@code cols} columns, {@code cols / 32}
     * blocks of G rows each: its scales at {@code [0, cols/32·G)}, its offsets after them.
     */
    static float[] blockScales(int cols) {
        return get(BLOCK_SCALES, 2 * cols / IntGemm.BLOCK * Gemm.G);
    }

    /** Room for one row of {@code cols} values. */
    static float[] row(int cols) {
        return get(ROW, cols);
    }

    /** Room for one group's {@link Gemm#G} outputs (partial groups at a matrix's end). */
    static float[] group() {
        return get(GROUP, Gemm.G);
    }

    /**
     * Room for one {@link Gemm} or {@link IntGemm} register tile of outputs, or eight inputs' outputs
     * of a fused kernel.
     */
    static float[] tile() {
        return get(TILE, Math.max(Math.max(Gemm.TILE, 8), IntGemm.TILE) * Gemm.G);
    }

    /** Room for two sets of one group's {@link Gemm#G} block scales (Q4_K's d and dmin). */
    static float[] scales() {
        return get(SCALES, 2 * Gemm.G);
    }

    /** Room for a K-quant super-block's per-row factors: 16 sub-block factors and 2 scales, G rows each. */
    static float[] factors() {
        return get(FACTORS, KSuperBlock.FACTORS);
    }

    /** Room for the outputs of a group for {@code inputs} inputs, accumulated across super-blocks. */
    static float[] acc(int inputs) {
        return get(ACC, inputs * Gemm.G);
    }

    /**
     * Room for the 16-bit partial sums of K-quant super-blocks for two inputs, or of two super-blocks
     * of one input (the two streams of PackedQ4KMatrix.kernel1): up to 32 per input
     * (8 sub-blocks of up to 4 parts), G rows each.
     */
    static short[] sums() {
        return shorts(SUMS, 64 * Gemm.G);
    }

    /** Room for one Q6_K super-block's columns as {@link Q6KColumns#toPairs} rearranges them. */
    static short[] columns() {
        return shorts(COLUMNS, Q6KColumns.SUB_BLOCKS * 8 * Gemm.G); // 8 pair words a sub-block
    }

    /**
     * Room for {@code bytes} bytes of weights in the layout of a packed matrix, off the Java heap like
     * the weights themselves (so the kernels that read both see one kind of segment), at a cache line.
     */
    static MemorySegment block(long bytes) {
        MemorySegment s = BLOCK.get();
        if (s == null || s.byteSize() < bytes + 4 * PAD_FLOATS) {
            s = Arena.ofAuto().allocate(bytes + 4 * PAD_FLOATS, 64);
            BLOCK.set(s);
        }
        return s;
    }

    /** A thread's array of at least {@code size} shorts, and the padding after it. */
    private static short[] shorts(ThreadLocal<short[]> tl, int size) {
        short[] a = tl.get();
        if (a == null || a.length < size + 2 * PAD_FLOATS) {
            a = new short[size + 2 * PAD_FLOATS];
            tl.set(a);
        }
        return a;
    }

    private static float[] get(ThreadLocal<float[]> tl, int size) {
        float[] a = tl.get();
        if (a == null || a.length < size) {
            a = new float[size + PAD_FLOATS];
            tl.set(a);
        }
        return a;
    }
}
