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
        // The rest in as few passes over the panel as possible: every pass re-reads it.
        if (n - t >= 4) {
            tile4(panel, K, rows, x, t, out, outStride, r0);
            t += 4;
        }
        if (n - t >= 2) {
            tile2(panel, K, rows, x, t, out, outStride, r0);
            t += 2;
        }
        if (t < n) {
            tile1(panel, K, rows, x, t, out, outStride, r0);
        }
    }

    private static void tile4(float[] p, int K, int rows, float[] x, int t, float[] out, int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int x0 = t * K;
        int x1 = x0 + K;
        int x2 = x1 + K;
        int x3 = x2 + K;
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
        }
        boolean whole = rows == G;
        float[] o = whole ? out : Scratch.tile();
        int stride = whole ? outStride : G;
        int base = whole ? t * outStride + r0 : 0;
        c00.intoArray(o, base);
        c01.intoArray(o, base + V);
        c10.intoArray(o, base + stride);
        c11.intoArray(o, base + stride + V);
        c20.intoArray(o, base + 2 * stride);
        c21.intoArray(o, base + 2 * stride + V);
        c30.intoArray(o, base + 3 * stride);
        c31.intoArray(o, base + 3 * stride + V);
        if (!whole) {
            for (int i = 0; i < 4; i++) {
                System.arraycopy(o, i * G, out, (t + i) * outStride + r0, rows);
            }
        }
    }

    private static void tile2(float[] p, int K, int rows, float[] x, int t, float[] out, int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00;
        int x0 = t * K;
        int x1 = x0 + K;
        for (int k = 0; k < K; k++) {
            FloatVector w0 = FloatVector.fromArray(F, p, k * G);
            FloatVector w1 = FloatVector.fromArray(F, p, k * G + V);
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[x1 + k]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
        }
        boolean whole = rows == G;
        float[] o = whole ? out : Scratch.tile();
        int stride = whole ? outStride : G;
        int base = whole ? t * outStride + r0 : 0;
        c00.intoArray(o, base);
        c01.intoArray(o, base + V);
        c10.intoArray(o, base + stride);
        c11.intoArray(o, base + stride + V);
        if (!whole) {
            for (int i = 0; i < 2; i++) {
                System.arraycopy(o, i * G, out, (t + i) * outStride + r0, rows);
            }
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
        // Stored here, not through a helper: vectors passed to a method C2 does not inline get boxed.
        boolean whole = rows == G;
        float[] o = whole ? out : Scratch.tile();
        int stride = whole ? outStride : G;
        int base = whole ? t * outStride + r0 : 0;
        c00.intoArray(o, base);
        c01.intoArray(o, base + V);
        c10.intoArray(o, base + stride);
        c11.intoArray(o, base + stride + V);
        c20.intoArray(o, base + 2 * stride);
        c21.intoArray(o, base + 2 * stride + V);
        c30.intoArray(o, base + 3 * stride);
        c31.intoArray(o, base + 3 * stride + V);
        c40.intoArray(o, base + 4 * stride);
        c41.intoArray(o, base + 4 * stride + V);
        c50.intoArray(o, base + 5 * stride);
        c51.intoArray(o, base + 5 * stride + V);
        if (!whole) {
            for (int i = 0; i < TILE; i++) {
                System.arraycopy(o, i * G, out, (t + i) * outStride + r0, rows);
            }
        }
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
        if (rows == G) {
            c0.intoArray(out, t * outStride + r0);
            c1.intoArray(out, t * outStride + r0 + V);
        } else {
            float[] o = Scratch.tile();
            c0.intoArray(o, 0);
            c1.intoArray(o, V);
            System.arraycopy(o, 0, out, t * outStride + r0, rows);
        }
    }
}
