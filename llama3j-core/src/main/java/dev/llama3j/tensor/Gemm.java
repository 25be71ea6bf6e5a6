package dev.llama3j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fp32 matrix-multiply micro-kernel for prompt processing. A panel holds {@link #G} weight rows
 * transposed ({@code panel[k*G + r]}), so one vector load gives one column of {@link #V} rows; each
 * input value is broadcast and multiplied into 2 × 6 accumulators (12 rows-vectors × tokens) that
 * stay in registers for the whole {@code k} loop. This keeps the FMA units busy instead of waiting on
 * loads, and the accumulators are stored as they are, with no horizontal sums.
 */
public final class Gemm {
    private static final VectorSpecies<Float> F = Species.F;
    /** Floats per vector. */
    public static final int V = F.length();
    /** Rows per panel: two vectors. */
    public static final int G = 2 * V;
    /** Tokens per register tile. */
    static final int TILE = 6;

    private Gemm() {}

    /**
     * {@code out[t*outStride + r0 + r] = sum_k panel[k*G + r] * x[t*K + k]} for {@code r < rows} (the
     * panel's valid rows) and every token {@code t < n}.
     */
    public static void multiply(float[] panel, int K, int rows, float[] x, int n, float[] out, int outStride,
            int r0) {
        int t = 0;
        for (; t + TILE <= n; t += TILE) {
            tile6(panel, K, rows, x, t, out, outStride, r0);
        }
        for (; t < n; t++) {
            tile1(panel, K, rows, x, t, out, outStride, r0);
        }
    }

    private static void tile6(float[] p, int K, int rows, float[] x, int t, float[] out, int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int x0 = t * K;
        int x1 = x0 + K;
        int x2 = x1 + K;
        int x3 = x2 + K;
        int x4 = x3 + K;
        int x5 = x4 + K;
        for (int k = 0; k < K; k++) {
            FloatVector w0 = FloatVector.fromArray(F, p, k * G);
            FloatVector w1 = FloatVector.fromArray(F, p, k * G + V);
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[x1 + k]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, x[x2 + k]);
            c20 = w0.fma(b, c20);
            c21 = w1.fma(b, c21);
            b = FloatVector.broadcast(F, x[x3 + k]);
            c30 = w0.fma(b, c30);
            c31 = w1.fma(b, c31);
            b = FloatVector.broadcast(F, x[x4 + k]);
            c40 = w0.fma(b, c40);
            c41 = w1.fma(b, c41);
            b = FloatVector.broadcast(F, x[x5 + k]);
            c50 = w0.fma(b, c50);
            c51 = w1.fma(b, c51);
        }
        store(c00, c01, rows, out, t * outStride + r0);
        store(c10, c11, rows, out, (t + 1) * outStride + r0);
        store(c20, c21, rows, out, (t + 2) * outStride + r0);
        store(c30, c31, rows, out, (t + 3) * outStride + r0);
        store(c40, c41, rows, out, (t + 4) * outStride + r0);
        store(c50, c51, rows, out, (t + 5) * outStride + r0);
    }

    private static void tile1(float[] p, int K, int rows, float[] x, int t, float[] out, int outStride, int r0) {
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = c0;
        int x0 = t * K;
        for (int k = 0; k < K; k++) {
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            c0 = FloatVector.fromArray(F, p, k * G).fma(b, c0);
            c1 = FloatVector.fromArray(F, p, k * G + V).fma(b, c1);
        }
        store(c0, c1, rows, out, t * outStride + r0);
    }

    /** Stores the first {@code rows} lanes of the two vectors (all of them unless at the matrix's end). */
    static void store(FloatVector a, FloatVector b, int rows, float[] out, int off) {
        if (rows == G) {
            a.intoArray(out, off);
            b.intoArray(out, off + V);
            return;
        }
        for (int i = 0; i < rows; i++) {
            out[off + i] = i < V ? a.lane(i) : b.lane(i - V);
        }
    }
}
