package dev.llama3j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fp32 matrix-multiply micro-kernel for prompt processing. A panel holds {@link #G} weight rows
 * transposed ({@code panel[k*G + r]}), so one vector load gives one column of {@link #V} rows; each
 * input value is broadcast and multiplied into 2 × {@link #TILE} accumulators (row-vectors × tokens)
 * that stay in registers for the whole {@code k} loop, and are stored as they are, with no horizontal
 * sums.
 *
 * <p>The inputs are read {@link #pack packed}: token tiles one after another, each {@code [k][token]}, so
 * that a tile's values for one {@code k} sit side by side and the loop addresses them from one index
 * with constant offsets. Read row-major instead (one index per token), the loop ran out of general
 * registers and spent as many instructions on addresses as on FMAs: 145 against 237 GFLOP/s on one
 * Xeon core (the FMA peak is 238).
 */
public final class Gemm {
    private static final VectorSpecies<Float> F = Species.F;
    /** Floats per vector. */
    public static final int V = F.length();
    /** Rows per panel: two vectors. */
    public static final int G = 2 * V;
    /**
     * Tokens per register tile: 12 (24 accumulators) where the CPU has 32 vector registers (AVX-512,
     * ARM), 6 where it has 16 (AVX2), so that accumulators, two weight vectors and a broadcast fit.
     */
    static final int TILE = thirtyTwoRegisters() ? 12 : 6;
    /** Values of each token that {@link #pack} moves at a time. */
    private static final int PACK_SLICE = 128;

    private Gemm() {}

    private static boolean thirtyTwoRegisters() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 || "aarch64".equals(System.getProperty("os.arch"));
    }

    /**
     * How many tokens the tile that starts at token {@code t} of {@code n} holds: the register tile, then
     * 8 (where the tile is 12: a 512-token prompt ends in 8, which as 6 + 2 cost about what a whole tile
     * does), 6, 4, 2, 1.
     */
    static int tileWidth(int t, int n) {
        int left = n - t;
        return left >= TILE ? TILE : left >= 8 && TILE > 8 ? 8 : left >= 6 ? 6 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    }

    /**
     * Lays out {@code n} inputs of {@code K} values, input {@code t} at {@code src[srcOff + t*srcStride]},
     * as {@link #multiply} reads them: the tile that starts at token {@code t} (of {@link #tileWidth}
     * {@code w}) holds value {@code k} of its token {@code j} at {@code dst[t*K + k*w + j]}, so the packed
     * form is as long as the inputs ({@code n*K}).
     */
    public static void pack(float[] src, int srcOff, int srcStride, int n, int K, float[] dst) {
        pack(src, srcOff, srcStride, n, K, dst, 0, n);
    }

    /**
     * The part of {@link #pack(float[], int, int, int, int, float[])} for tokens {@code [from, to)},
     * where {@code from} starts a tile: a multiple of {@link #TILE}, as {@code to} is unless it is
     * {@code n}. Parts may be packed by different threads.
     */
    static void pack(float[] src, int srcOff, int srcStride, int n, int K, float[] dst, int from, int to) {
        for (int t = from; t < to; ) {
            int w = tileWidth(t, n);
            int base = t * K;
            // In slices of k, so that the slice of the tile being written (PACK_SLICE * w floats) stays in
            // the L1 cache while each token's values are spread into it; a whole tile at once (96 KB at
            // K = 2,048) left the cache between tokens, and packing cost 4-5 cycles a value.
            for (int k0 = 0; k0 < K; k0 += PACK_SLICE) {
                int k1 = Math.min(K, k0 + PACK_SLICE);
                for (int j = 0; j < w; j++) {
                    int s = srcOff + (t + j) * srcStride;
                    for (int k = k0, d = base + k0 * w + j; k < k1; k++, d += w) {
                        dst[d] = src[s + k];
                    }
                }
            }
            t += w;
        }
    }

    /**
     * {@code out[t*outStride + r0 + r] = sum_k panel[k*G + r] * x_t[k]} for {@code r < rows} (the
     * panel's valid rows) and every token {@code t < n}, with the inputs {@code x} {@link #pack packed}.
     */
    public static void multiply(float[] panel, int K, int rows, float[] x, int n, float[] out, int outStride,
            int r0) {
        multiply(panel, 0, K, rows, x, n, out, outStride, r0);
    }

    /**
     * {@link #multiply(float[], int, int, float[], int, float[], int, int)} with the panel starting at
     * {@code panel[po]} ({@code panel[po + k*G + r]}): the engine starts its panels at a cache line
     * ({@link Scratch#panelStart}), where each of the loop's two vector loads reads one line instead
     * of two (9% faster on one Xeon core: docs/SPEED.md, finding 21).
     */
    static void multiply(float[] panel, int po, int K, int rows, float[] x, int n, float[] out, int outStride,
            int r0) {
        for (int t = 0; t < n; ) {
            int w = tileWidth(t, n);
            int xb = t * K;
            switch (w) {
                case 12 -> tile12(panel, po, K, rows, x, xb, t, out, outStride, r0);
                case 8 -> tile8(panel, po, K, rows, x, xb, t, out, outStride, r0);
                case 6 -> tile6(panel, po, K, rows, x, xb, t, out, outStride, r0);
                case 4 -> tile4(panel, po, K, rows, x, xb, t, out, outStride, r0);
                case 2 -> tile2(panel, po, K, rows, x, xb, t, out, outStride, r0);
                default -> tile1(panel, po, K, rows, x, xb, t, out, outStride, r0);
            }
            t += w;
        }
    }

    private static void tile12(float[] p, int po, int K, int rows, float[] x, int xb, int t, float[] out,
            int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
        FloatVector c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00;
        FloatVector c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00, c90 = c00;
        FloatVector c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        for (int k = 0; k < K; k++) {
            int pk = po + k * G;
            int xk = xb + k * 12;
            FloatVector w0 = FloatVector.fromArray(F, p, pk);
            FloatVector w1 = FloatVector.fromArray(F, p, pk + V);
            FloatVector b = FloatVector.broadcast(F, x[xk]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[xk + 1]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, x[xk + 2]);
            c20 = w0.fma(b, c20);
            c21 = w1.fma(b, c21);
            b = FloatVector.broadcast(F, x[xk + 3]);
            c30 = w0.fma(b, c30);
            c31 = w1.fma(b, c31);
            b = FloatVector.broadcast(F, x[xk + 4]);
            c40 = w0.fma(b, c40);
            c41 = w1.fma(b, c41);
            b = FloatVector.broadcast(F, x[xk + 5]);
            c50 = w0.fma(b, c50);
            c51 = w1.fma(b, c51);
            b = FloatVector.broadcast(F, x[xk + 6]);
            c60 = w0.fma(b, c60);
            c61 = w1.fma(b, c61);
            b = FloatVector.broadcast(F, x[xk + 7]);
            c70 = w0.fma(b, c70);
            c71 = w1.fma(b, c71);
            b = FloatVector.broadcast(F, x[xk + 8]);
            c80 = w0.fma(b, c80);
            c81 = w1.fma(b, c81);
            b = FloatVector.broadcast(F, x[xk + 9]);
            c90 = w0.fma(b, c90);
            c91 = w1.fma(b, c91);
            b = FloatVector.broadcast(F, x[xk + 10]);
            ca0 = w0.fma(b, ca0);
            ca1 = w1.fma(b, ca1);
            b = FloatVector.broadcast(F, x[xk + 11]);
            cb0 = w0.fma(b, cb0);
            cb1 = w1.fma(b, cb1);
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
        c60.intoArray(o, base + 6 * stride);
        c61.intoArray(o, base + 6 * stride + V);
        c70.intoArray(o, base + 7 * stride);
        c71.intoArray(o, base + 7 * stride + V);
        c80.intoArray(o, base + 8 * stride);
        c81.intoArray(o, base + 8 * stride + V);
        c90.intoArray(o, base + 9 * stride);
        c91.intoArray(o, base + 9 * stride + V);
        ca0.intoArray(o, base + 10 * stride);
        ca1.intoArray(o, base + 10 * stride + V);
        cb0.intoArray(o, base + 11 * stride);
        cb1.intoArray(o, base + 11 * stride + V);
        if (!whole) {
            copyRows(o, 12, rows, out, t, outStride, r0);
        }
    }

    private static void tile8(float[] p, int po, int K, int rows, float[] x, int xb, int t, float[] out,
            int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int k = 0; k < K; k++) {
            int pk = po + k * G;
            int xk = xb + k * 8;
            FloatVector w0 = FloatVector.fromArray(F, p, pk);
            FloatVector w1 = FloatVector.fromArray(F, p, pk + V);
            FloatVector b = FloatVector.broadcast(F, x[xk]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[xk + 1]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, x[xk + 2]);
            c20 = w0.fma(b, c20);
            c21 = w1.fma(b, c21);
            b = FloatVector.broadcast(F, x[xk + 3]);
            c30 = w0.fma(b, c30);
            c31 = w1.fma(b, c31);
            b = FloatVector.broadcast(F, x[xk + 4]);
            c40 = w0.fma(b, c40);
            c41 = w1.fma(b, c41);
            b = FloatVector.broadcast(F, x[xk + 5]);
            c50 = w0.fma(b, c50);
            c51 = w1.fma(b, c51);
            b = FloatVector.broadcast(F, x[xk + 6]);
            c60 = w0.fma(b, c60);
            c61 = w1.fma(b, c61);
            b = FloatVector.broadcast(F, x[xk + 7]);
            c70 = w0.fma(b, c70);
            c71 = w1.fma(b, c71);
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
        c60.intoArray(o, base + 6 * stride);
        c61.intoArray(o, base + 6 * stride + V);
        c70.intoArray(o, base + 7 * stride);
        c71.intoArray(o, base + 7 * stride + V);
        if (!whole) {
            copyRows(o, 8, rows, out, t, outStride, r0);
        }
    }

    private static void tile6(float[] p, int po, int K, int rows, float[] x, int xb, int t, float[] out,
            int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
        FloatVector c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int k = 0; k < K; k++) {
            int pk = po + k * G;
            int xk = xb + k * 6;
            FloatVector w0 = FloatVector.fromArray(F, p, pk);
            FloatVector w1 = FloatVector.fromArray(F, p, pk + V);
            FloatVector b = FloatVector.broadcast(F, x[xk]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[xk + 1]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, x[xk + 2]);
            c20 = w0.fma(b, c20);
            c21 = w1.fma(b, c21);
            b = FloatVector.broadcast(F, x[xk + 3]);
            c30 = w0.fma(b, c30);
            c31 = w1.fma(b, c31);
            b = FloatVector.broadcast(F, x[xk + 4]);
            c40 = w0.fma(b, c40);
            c41 = w1.fma(b, c41);
            b = FloatVector.broadcast(F, x[xk + 5]);
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
            copyRows(o, 6, rows, out, t, outStride, r0);
        }
    }

    private static void tile4(float[] p, int po, int K, int rows, float[] x, int xb, int t, float[] out,
            int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
        FloatVector c31 = c00;
        for (int k = 0; k < K; k++) {
            int pk = po + k * G;
            int xk = xb + k * 4;
            FloatVector w0 = FloatVector.fromArray(F, p, pk);
            FloatVector w1 = FloatVector.fromArray(F, p, pk + V);
            FloatVector b = FloatVector.broadcast(F, x[xk]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[xk + 1]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, x[xk + 2]);
            c20 = w0.fma(b, c20);
            c21 = w1.fma(b, c21);
            b = FloatVector.broadcast(F, x[xk + 3]);
            c30 = w0.fma(b, c30);
            c31 = w1.fma(b, c31);
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
        if (!whole) {
            copyRows(o, 4, rows, out, t, outStride, r0);
        }
    }

    private static void tile2(float[] p, int po, int K, int rows, float[] x, int xb, int t, float[] out,
            int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00;
        for (int k = 0; k < K; k++) {
            int pk = po + k * G;
            int xk = xb + k * 2;
            FloatVector w0 = FloatVector.fromArray(F, p, pk);
            FloatVector w1 = FloatVector.fromArray(F, p, pk + V);
            FloatVector b = FloatVector.broadcast(F, x[xk]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[xk + 1]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
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
        if (!whole) {
            copyRows(o, 2, rows, out, t, outStride, r0);
        }
    }

    private static void tile1(float[] p, int po, int K, int rows, float[] x, int xb, int t, float[] out,
            int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        for (int k = 0; k < K; k++) {
            int pk = po + k * G;
            int xk = xb + k * 1;
            FloatVector w0 = FloatVector.fromArray(F, p, pk);
            FloatVector w1 = FloatVector.fromArray(F, p, pk + V);
            FloatVector b = FloatVector.broadcast(F, x[xk]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
        }
        // Stored here, not through a helper: vectors passed to a method C2 does not inline get boxed.
        boolean whole = rows == G;
        float[] o = whole ? out : Scratch.tile();
        int stride = whole ? outStride : G;
        int base = whole ? t * outStride + r0 : 0;
        c00.intoArray(o, base);
        c01.intoArray(o, base + V);
        if (!whole) {
            copyRows(o, 1, rows, out, t, outStride, r0);
        }
    }

    /**
     * A partial panel's tile went to scratch ({@code tile[i*G ..]} for token {@code i}); its valid
     * {@code rows} of each of {@code tokens} tokens go to {@code out} from token {@code t}.
     */
    private static void copyRows(float[] tile, int tokens, int rows, float[] out, int t, int outStride, int r0) {
        for (int i = 0; i < tokens; i++) {
            System.arraycopy(tile, i * G, out, (t + i) * outStride + r0, rows);
        }
    }
}
