package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.UnsupportedModelException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The grouped INT4 kernels (one token, four at a time, the fp32 panel path) against a scalar
 * dequantize-then-dot reference, over every row range the worker pool can hand out, odd row counts
 * and a GPTQ {@code desc_act} input permutation. Also run with 256- and 128-bit vectors by the build.
 */
class Int4GroupMatrixTest {
    private record Case(Int4GroupMatrix m, float[][] w) {}

    private static Case random(int rows, int cols, int groupSize, boolean permuted, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int groups = cols / groupSize;
        byte[] codes = new byte[rows * cols];
        float[] scales = new float[rows * groups];
        float[] zeros = new float[rows * groups];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) r.nextInt(16);
        }
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) (0.002 + 0.01 * r.nextDouble());
            zeros[i] = r.nextInt(16);
        }
        int[] order = null;
        if (permuted) {
            order = new int[cols];
            for (int i = 0; i < cols; i++) {
                order[i] = i;
            }
            for (int i = cols - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        // The reference: W[row][model input] = (code - zero) * scale, written out in model order.
        float[][] w = new float[rows][cols];
        for (int row = 0; row < rows; row++) {
            for (int c = 0; c < cols; c++) {
                int g = row * groups + c / groupSize;
                int input = order == null ? c : order[c];
                w[row][input] = (codes[row * cols + c] - zeros[g]) * scales[g];
            }
        }
        return new Case(Int4GroupMatrix.of("blk.0.ffn_up.weight", rows, cols, groupSize, codes, scales, zeros, order), w);
    }

    private static float[] input(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** Checks {@code out} against the double-precision reference, to fp32 rounding of the sums. */
    static void check(float[][] w, float[] x, int n, float[] out, String what) {
        int rows = w.length;
        int cols = w[0].length;
        for (int t = 0; t < n; t++) {
            for (int row = 0; row < rows; row++) {
                double sum = 0;
                double mag = 0;
                for (int k = 0; k < cols; k++) {
                    sum += (double) w[row][k] * x[t * cols + k];
                    mag += Math.abs((double) w[row][k] * x[t * cols + k]);
                }
                assertEquals(sum, out[t * rows + row], 2e-6 * mag + 1e-7, what + ": token " + t + ", row " + row);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"70, 256, 32, false", "64, 256, 64, true", "33, 128, 128, true", "5, 384, 128, false", "96, 512, 128, true"})
    void kernelsMatchDequantizedDot(int rows, int cols, int groupSize, boolean permuted) {
        Case c = random(rows, cols, groupSize, permuted, rows * 7L + cols + groupSize);
        SplittableRandom r = new SplittableRandom(3);
        float[] row = new float[cols];
        for (int i = 0; i < rows; i++) {
            c.m().dequantizeRow(i, row, 0);
            for (int k = 0; k < cols; k++) {
                assertEquals(c.w()[i][k], row[k], 1e-6f * (1 + Math.abs(c.w()[i][k])), "row " + i + " col " + k);
            }
        }
        MatmulInput in = new MatmulInput();
        int g = Gemm.G;
        for (int n : new int[] {1, 3, 6, 17}) {
            float[] x = input(r, n * cols);
            float[] out = new float[n * rows];
            // All rows at once, then panel by panel (the smallest share a worker gets), then uneven shares.
            c.m().matmul(in.set(x, n, cols), out, rows, 0, rows);
            check(c.w(), x, n, out, "n=" + n + " whole");
            java.util.Arrays.fill(out, Float.NaN);
            in.set(x, n, cols);
            for (int r0 = 0; r0 < rows; r0 += g) {
                c.m().matmul(in, out, rows, r0, Math.min(rows, r0 + g));
            }
            check(c.w(), x, n, out, "n=" + n + " per panel");
            java.util.Arrays.fill(out, Float.NaN);
            in.set(x, n, cols);
            int split = Math.min(rows, 2 * g);
            c.m().matmul(in, out, rows, 0, split);
            c.m().matmul(in, out, rows, split, rows);
            check(c.w(), x, n, out, "n=" + n + " two shares");
        }
    }

    @Test
    void manyPanelsRepackInParallel() {
        // More panels than the repack's parallel chunks, so buffers are reused, and a partial last panel.
        Case c = random(40 * Gemm.G + 5, 64, 32, false, 21);
        SplittableRandom r = new SplittableRandom(6);
        float[] x = input(r, 64);
        float[] out = new float[c.w().length];
        c.m().matmul(new MatmulInput().set(x, 1, 64), out, out.length, 0, out.length);
        check(c.w(), x, 1, out, "n=1");
    }

    @Test
    void workerPoolSharesOnePreparedInput() {
        Case c = random(200, 256, 64, true, 11);
        Case d = random(200, 256, 64, false, 12);
        SplittableRandom r = new SplittableRandom(5);
        try (WorkerPool pool = new WorkerPool(3)) {
            MatmulInput in = new MatmulInput();
            for (int n : new int[] {1, 3, 20}) {
                float[] x = input(r, n * 256);
                in.set(x, n, 256);
                for (Case m : new Case[] {c, d, c}) {
                    float[] out = new float[n * 200];
                    int grain = m.m().rowGrain();
                    pool.parallelFor((200 + grain - 1) / grain, 1,
                            (u0, u1) -> m.m().matmul(in, out, 200, u0 * grain, Math.min(200, u1 * grain)));
                    check(m.w(), x, n, out, "n=" + n);
                }
            }
        }
    }

    @Test
    void refusesGroupSizesItCannotRun() {
        for (int[] bad : new int[][] {{48, 96}, {64, 96}, {0, 64}, {-32, 64}}) {
            int groupSize = bad[0];
            int cols = bad[1];
            int groups = groupSize > 0 ? Math.max(1, cols / groupSize) : 1;
            UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> Int4GroupMatrix.of(
                    "blk.3.attn_q.weight", 2, cols, groupSize, new byte[2 * cols], new float[2 * groups],
                    new float[2 * groups], null));
            assertTrue(e.getMessage().contains("blk.3.attn_q.weight") && e.getMessage().contains("group size " + groupSize),
                    e.getMessage());
        }
    }

    @Test
    void refusesInconsistentArrays() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Int4GroupMatrix.of("w", 2, 64, 32, new byte[127], new float[4], new float[4], null));
        assertTrue(e.getMessage().contains("127 codes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Int4GroupMatrix.of("w", 2, 64, 32, new byte[128], new float[3], new float[4], null));
        assertTrue(e.getMessage().contains("3 scales"), e.getMessage());
        byte[] codes = new byte[128];
        codes[70] = 16;
        e = assertThrows(IllegalArgumentException.class,
                () -> Int4GroupMatrix.of("w", 2, 64, 32, codes, new float[4], new float[4], null));
        assertTrue(e.getMessage().contains("row 1, column 6"), e.getMessage());
        int[] notPermutation = new int[64];
        e = assertThrows(IllegalArgumentException.class,
                () -> Int4GroupMatrix.of("w", 2, 64, 32, new byte[128], new float[4], new float[4], notPermutation));
        assertTrue(e.getMessage().contains("not a permutation"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Int4GroupMatrix.of("w", 2, 64, 32, new byte[128], new float[4], new float[4], new int[63]));
        assertTrue(e.getMessage().contains("63 entries"), e.getMessage());
    }

    /**
     * GPTQ desc_act matrices each gather the input in their own order, and the input holds one
     * gathered form at a time: a layer's q, k and v must not share a parallel section then (they did
     * once, and the workers read each other's orders). Each result equals its own product.
     */
    @Test
    void matricesWithTheirOwnInputOrdersTakeSeparateSections() {
        int cols = 256;
        Int4GroupMatrix[] ms = {random(96, cols, 32, true, 1).m(), random(40, cols, 32, true, 2).m(),
            random(40, cols, 32, false, 3).m()};
        SplittableRandom r = new SplittableRandom(4);
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int n : new int[] {1, 3, 40}) {
                float[] x = input(r, n * cols);
                float[][] together = new float[ms.length][];
                for (int i = 0; i < ms.length; i++) {
                    together[i] = new float[n * ms[i].rows()];
                }
                WeightMatrix.matmul(pool, new MatmulInput().set(x, n, cols), ms, together);
                for (int i = 0; i < ms.length; i++) {
                    float[] alone = new float[n * ms[i].rows()];
                    ms[i].matmul(pool, new MatmulInput().set(x, n, cols), alone);
                    for (int j = 0; j < alone.length; j++) {
                        assertEquals(alone[j], together[i][j], 0f, "matrix " + i + ", " + n + " inputs, value " + j);
                    }
                }
            }
        }
    }
}
