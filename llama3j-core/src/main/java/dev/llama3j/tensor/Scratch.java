package dev.llama3j.tensor;

/** Per-thread work buffers of the kernels, allocated once per worker thread and grown as needed. */
final class Scratch {
    private static final ThreadLocal<float[]> PANEL = new ThreadLocal<>();
    private static final ThreadLocal<float[]> ROW = new ThreadLocal<>();
    private static final ThreadLocal<float[]> GROUP = new ThreadLocal<>();
    private static final ThreadLocal<float[]> TILE = new ThreadLocal<>();
    private static final ThreadLocal<float[]> SCALES = new ThreadLocal<>();

    private Scratch() {}

    /** Room for a transposed panel of {@link Gemm#G} rows of {@code cols} values. */
    static float[] panel(int cols) {
        return get(PANEL, cols * Gemm.G);
    }

    /** Room for one row of {@code cols} values. */
    static float[] row(int cols) {
        return get(ROW, cols);
    }

    /** Room for one group's {@link Gemm#G} outputs (partial groups at a matrix's end). */
    static float[] group() {
        return get(GROUP, Gemm.G);
    }

    /** Room for one {@link Gemm} register tile of outputs. */
    static float[] tile() {
        return get(TILE, Gemm.TILE * Gemm.G);
    }

    /** Room for two sets of one group's {@link Gemm#G} block scales (Q4_K has {@code d} and {@code dmin}). */
    static float[] scales() {
        return get(SCALES, 2 * Gemm.G);
    }

    private static float[] get(ThreadLocal<float[]> tl, int size) {
        float[] a = tl.get();
        if (a == null || a.length < size) {
            a = new float[size];
            tl.set(a);
        }
        return a;
    }
}
