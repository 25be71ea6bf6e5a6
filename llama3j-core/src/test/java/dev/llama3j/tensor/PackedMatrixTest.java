package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The repacked Q8_0/Q4_0/Q6_K/Q4_K/Q5_K layouts and all their kernel paths (1 and 2 inputs at a time, the GEMM path
 * for many) against the reference row-by-row dot product of the file layout. Also run with 256- and
 * 128-bit vectors by the build (see the core pom).
 */
class PackedMatrixTest {
    private static float[] random(SplittableRandom r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /**
     * K-quant super-blocks with random bytes (every byte pattern is a valid block) except for the fp16
     * {@code d} and {@code dmin} at the block's start, set to small positive values so that weights are
     * of order 1 like a real model's (there is no K-quant quantizer to make them from floats).
     */
    private static byte[] kQuantBlocks(SplittableRandom r, GgmlType type, int blocks) {
        byte[] b = new byte[blocks * type.typeSize];
        r.nextBytes(b);
        for (int k = 0; k < blocks; k++) {
            int o = k * type.typeSize;
            for (int h = 0; h < 2; h++) {
                short half = Float.floatToFloat16((float) (0.0005 + 0.001 * r.nextDouble()));
                b[o + 2 * h] = (byte) half;
                b[o + 2 * h + 1] = (byte) (half >> 8);
            }
        }
        return b;
    }

    /**
     * {@code rows × cols} weights of {@code type}: random K-quant blocks for Q4_K and Q5_K
     * ({@link #kQuantBlocks}), small random values quantized by {@link Quantizer} for the others.
     */
    private static byte[] weightBytes(SplittableRandom r, GgmlType type, int rows, int cols) {
        return type == GgmlType.Q4_K || type == GgmlType.Q5_K
                ? kQuantBlocks(r, type, rows * cols / type.blockSize)
                : Quantizer.quantize(type, random(r, rows * cols, 0.05f));
    }

    @ParameterizedTest
    @CsvSource({"Q8_0, 70, 96", "Q8_0, 32, 64", "Q8_0, 5, 32", "Q4_0, 70, 96", "Q4_0, 64, 128", "Q4_0, 3, 32",
        "Q6_K, 70, 512", "Q6_K, 32, 256", "Q6_K, 5, 768", "Q4_K, 70, 512", "Q4_K, 32, 256", "Q4_K, 5, 768", "Q5_K, 70, 512", "Q5_K, 32, 256", "Q5_K, 3, 768"})
    void packedMatchesReference(GgmlType type, int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
        byte[] bytes = weightBytes(rnd, type, rows, cols);
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            MemorySegment seg = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            WeightMatrix ref = WeightMatrix.of("w", type, rows, cols, seg);
            WeightMatrix packed = ref.optimized(Arena.ofAuto(), pool);
            assertEquals(true, packed != ref, "expected a packed layout for " + type);
            checkPacked(type, rows, cols, ref, packed, pool, rnd, null);
            if (type == GgmlType.Q4_0 || type == GgmlType.Q8_0 || type == GgmlType.Q4_K) {
                // A zero and a subnormal block scale (Q4_K: a subnormal d, a zero dmin): the packing
                // must keep the exact widening (GroupPacker's and KGroupPacker's check of every
                // scale), which the short one would get wrong.
                byte[] odd = bytes.clone();
                odd[0] = 0x00;
                odd[1] = 0x02; // 0x0200: subnormal
                int last = (rows * cols / type.blockSize - 1) * type.typeSize + (type == GgmlType.Q4_K ? 2 : 0);
                odd[last] = 0;
                odd[last + 1] = 0;
                MemorySegment oddSeg = arena.allocate(odd.length);
                MemorySegment.copy(odd, 0, oddSeg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, odd.length);
                WeightMatrix oddRef = WeightMatrix.of("w", type, rows, cols, oddSeg);
                checkPacked(type, rows, cols, oddRef, oddRef.optimized(Arena.ofAuto(), pool), pool, rnd, null);
            }
            if (type == GgmlType.Q6_K) {
                // Q6_K's other layout too (Q6KLayout.alone() chose the one above).
                checkPacked(type, rows, cols, ref, PackedQ6KMatrix.pack("w", rows, cols, seg, Arena.ofAuto(), pool,
                        Q6KLayout.alone() != Q6KLayout.COMPACT), pool, rnd, null);
            }
        }
    }

    /**
     * With the integer kernels' tuning (AMD hosts), Q4_K's and Q6_K's generation kernels give an
     * input exactly what it gets alone whatever the other inputs of its step (continuous batching
     * relies on it): every kernel for one, two, four or eight inputs a pass scales the same integer
     * sums with the same fp32 steps. (Intel's tuning reads two streams for one input and takes the
     * fp32 columns for many, which sum in other orders.)
     */
    @ParameterizedTest
    @CsvSource({"Q4_K, false", "Q6_K, false", "Q6_K, true"})
    void aStepGivesEachInputWhatItGetsAlone(GgmlType type, boolean otherQ6KLayout) {
        int rows = 70;
        int cols = 768;
        SplittableRandom rnd = new SplittableRandom(23);
        byte[] bytes = weightBytes(rnd, type, rows, cols);
        try (WorkerPool pool = new WorkerPool(2)) {
            MemorySegment seg = MemorySegment.ofArray(bytes);
            WeightMatrix packed = otherQ6KLayout
                    ? PackedQ6KMatrix.pack("w", rows, cols, seg, Arena.ofAuto(), pool,
                            Q6KLayout.alone() != Q6KLayout.COMPACT)
                    : WeightMatrix.of("w", type, rows, cols, seg).optimized(Arena.ofAuto(), pool);
            packed = packed.withTuning(new KernelTuning(1, false));
            for (int n : new int[] {2, 3, 4, 5, 7, 8, 10, 13, 16}) {
                if (!packed.usesSuperBlockInput(n)) {
                    continue; // a prompt's path (IntGemm or the fp32 GEMM) from here on
                }
                float[] x = random(rnd, n * cols, 1f);
                float[] together = new float[n * rows];
                MatmulInput in = new MatmulInput().set(x, n, cols);
                packed.prepareInput(in);
                packed.matmul(in, together, rows, 0, rows);
                for (int t = 0; t < n; t++) {
                    float[] one = java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols);
                    float[] alone = new float[rows];
                    MatmulInput single = new MatmulInput().set(one, 1, cols);
                    packed.prepareInput(single);
                    packed.matmul(single, alone, rows, 0, rows);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(alone,
                            java.util.Arrays.copyOfRange(together, t * rows, (t + 1) * rows),
                            type + " input " + t + " of " + n);
                }
            }
        }
    }

    /**
     * The 4-bit kernels sum 32 products of a nibble and an 8-bit input in one 16-bit lane, starting
     * from {@code -8·Σx}: the sum of the nibbles themselves (up to 32 · 15 · 127) wraps past 16 bits,
     * and the sum of the values less 8 (at most 32 · 8 · 127) must come out exact. Every nibble 15 or
     * 0 with every input at the largest 8-bit value, of either sign, is that extreme. Q4_0's one- and
     * two-input kernels and all of Q4_K's generation kernels multiply the whole byte by the low
     * nibble's input ({@link MatmulInput#qByte}, {@link MatmulInput#kqByte}): bytes 0x0F and 0xF0 (one nibble 15, the
     * other 0) are that path's extremes. Q4_K's repacked byte pairs the low (or high) nibbles of file
     * bytes {@code p} and {@code p + 16} of a 32-byte chunk ({@link KGroupPacker#pairNibbles}), so
     * there the file's bytes alternate, {@code first} in each chunk's first 16 and {@code second} in
     * its last 16: 255 then 0 repacks to 0x0F, 0 then 255 to 0xF0.
     */
    @ParameterizedTest
    @CsvSource({"Q4_0, 255, 255, 1", "Q4_0, 255, 255, -1", "Q4_0, 0, 0, 1", "Q4_0, 0, 0, -1",
        "Q4_0, 15, 15, 1", "Q4_0, 15, 15, -1", "Q4_0, 240, 240, 1", "Q4_0, 240, 240, -1",
        "Q4_K, 255, 255, 1", "Q4_K, 255, 255, -1", "Q4_K, 0, 0, 1", "Q4_K, 0, 0, -1",
        "Q4_K, 255, 0, 1", "Q4_K, 255, 0, -1", "Q4_K, 0, 255, 1", "Q4_K, 0, 255, -1"})
    void extremeNibblesAndInputsSumExactly(GgmlType type, int first, int second, float input) {
        int rows = 64;
        int cols = 512;
        SplittableRandom rnd = new SplittableRandom(11);
        byte[] bytes = weightBytes(rnd, type, rows, cols);
        int valuesAt = type == GgmlType.Q4_K ? 16 : 2; // after d, dmin and the scales, or after d
        for (int o = 0; o < bytes.length; o += type.typeSize) {
            for (int k = o + valuesAt; k < o + type.typeSize; k++) {
                bytes[k] = (byte) ((k - o - valuesAt) % 32 < 16 ? first : second);
            }
        }
        float[] x = new float[cols];
        java.util.Arrays.fill(x, input);
        try (WorkerPool pool = new WorkerPool(2)) {
            WeightMatrix ref = WeightMatrix.of("w", type, rows, cols, MemorySegment.ofArray(bytes));
            checkPacked(type, rows, cols, ref, ref.optimized(Arena.ofAuto(), pool), pool, rnd, x);
        }
    }

    /**
     * {@code packed} holds {@code ref}'s values, and each kernel path computes its products, of
     * random inputs or, where {@code input} is given, of that input for every token.
     */
    private static void checkPacked(GgmlType type, int rows, int cols, WeightMatrix ref, WeightMatrix packed,
            WorkerPool pool, SplittableRandom rnd, float[] input) {
        // Same values.
        float[] a = new float[cols];
        float[] b = new float[cols];
        for (int r = 0; r < rows; r++) {
            ref.dequantizeRow(r, a, 0);
            packed.dequantizeRow(r, b, 0);
            for (int k = 0; k < cols; k++) {
                assertEquals(a[k], b[k], 0f, "value at row " + r + " col " + k);
            }
        }
        // The GEMM path's panels hold exactly the dequantized values (rows past the end are zero),
        // from the start they are given (the engine's is where a cache line starts), nothing before it.
        int po = 5;
        for (int g0 = 0; g0 < rows; g0 += Gemm.G) {
            float[] panel = new float[po + cols * Gemm.G];
            packed.fillPanel(g0, Math.min(Gemm.G, rows - g0), panel, po);
            for (int i = 0; i < po; i++) {
                assertEquals(0f, panel[i], "written before the panel's start");
            }
            for (int r = 0; r < Gemm.G; r++) {
                if (g0 + r < rows) {
                    ref.dequantizeRow(g0 + r, a, 0);
                } else {
                    java.util.Arrays.fill(a, 0f);
                }
                for (int k = 0; k < cols; k++) {
                    assertEquals(a[k], panel[po + k * Gemm.G + r], 0f, "panel row " + (g0 + r) + " col " + k);
                }
            }
        }
        // Both tunings, whichever this host uses (KernelTuning: one read stream and the integer
        // kernels for many inputs, or two streams and the fp32 columns).
        KernelTuning[] tunings = {new KernelTuning(1, false), new KernelTuning(2, true)};
        // With the first tuning and 512-bit vectors, from 20 inputs (Q4_0) or 12 (Q4_K) the integer GEMM
        // (IntGemm): tiles of 12 tokens, the last of 8 or 4 (20 = 12 + 8, 37 = 36 + 1, 44 = 36 + 8); below
        // that, from 4 inputs, Q4_0's and Q4_K's kernel8, eight inputs a pass and then four (5 = 4 + 1,
        // 7 = 4 + 2 + 1, 10 = 8 + 2, 13 = 8 + 4 + 1, 16 = 8 + 8), the rest two or one at a time.
        for (int[] c : new int[][] {{1, 0}, {1, 1}, {2, 0}, {3, 0}, {3, 1}, {5, 0}, {7, 0}, {8, 0}, {8, 1},
            {10, 0}, {13, 0}, {16, 0}, {16, 1}, {17, 0}, {17, 1}, {20, 0}, {33, 0}, {33, 1}, {37, 0}, {44, 0},
            {48, 0}}) {
            int n = c[0];
            packed = packed.withTuning(tunings[c[1]]);
            float[] x = random(rnd, n * cols, 1f);
            if (input != null) {
                for (int t = 0; t < n; t++) {
                    System.arraycopy(input, 0, x, t * cols, cols);
                }
            }
            float[] expected = new float[n * rows];
            ref.matmul(x, n, cols, expected, rows, 0, rows);
            float[] actual = new float[n * rows];
            MatmulInput in = new MatmulInput().set(x, n, cols);
            packed.prepareInput(in); // as WeightMatrix.matmul(pool, ...) prepares it
            // Two calls over halves aligned to the row grain, as the model's parallel split does.
            int split = Math.min(rows, packed.rowGrain());
            packed.matmul(in, actual, rows, 0, split);
            packed.matmul(in, actual, rows, split, rows);
            boolean superBlocks = packed.usesSuperBlockInput(n);
            if (packed.usesQuantizedInput(n) || superBlocks) {
                // 8-bit inputs (generation): the result must be the dot of the reference values
                // with the quantized inputs, up to fp32 rounding, and so within the rounding of the
                // inputs (half a step of each block's scale) of the fp32 result. Q4_K's generation
                // kernels read the input quantized per super-block (one scale for 256 values).
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < rows; r++) {
                        ref.dequantizeRow(r, a, 0);
                        double exact = 0;
                        double magnitude = 0;
                        double inputRounding = 0;
                        for (int k = 0; k < cols; k++) {
                            int idx = t * cols + k;
                            float step = superBlocks ? in.kScale[idx / MatmulInput.SUPER_BLOCK]
                                    : in.qScale[idx / MatmulInput.BLOCK];
                            double xq = (superBlocks ? in.kq[idx] : in.q[idx]) * (double) step;
                            exact += a[k] * xq;
                            magnitude += Math.abs(a[k] * xq);
                            inputRounding += Math.abs(a[k]) * step / 2;
                        }
                        int i = t * rows + r;
                        assertEquals(exact, actual[i], 1e-5 * magnitude + 1e-6, type + " n=" + n + " output " + i);
                        assertEquals(expected[i], actual[i], inputRounding + 1e-5 * magnitude + 1e-6,
                                type + " n=" + n + " output " + i + " vs fp32 inputs");
                    }
                }
            } else {
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-4 * (1 + Math.abs(expected[i])),
                            type + " n=" + n + " output " + i);
                }
            }
        }
    }

    /**
     * Several matrices that read one input, in one parallel section (the model's q/k/v and gate/up),
     * give each exactly what its own product gives: mixed types and row counts that are not whole
     * panels, for generation (1-2 inputs), the fused eight-input path and the GEMM paths (on AMD hosts
     * the 4-bit types' integer one beside the others' fp32 one, each input form made by the workers).
     */
    @org.junit.jupiter.api.Test
    void matricesSharingAnInputInOneSectionMatchTheirOwnProducts() {
        SplittableRandom rnd = new SplittableRandom(7);
        int cols = 512;
        GgmlType[] types = {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0, GgmlType.Q4_0};
        int[] rows = {70, 32, 5, 40};
        try (WorkerPool pool = new WorkerPool(2)) {
            WeightMatrix[] ws = new WeightMatrix[types.length];
            for (int i = 0; i < types.length; i++) {
                byte[] bytes = weightBytes(rnd, types[i], rows[i], cols);
                ws[i] = WeightMatrix.of("w" + i, types[i], rows[i], cols, MemorySegment.ofArray(bytes))
                        .optimized(Arena.ofAuto(), pool);
            }
            for (int n : new int[] {1, 2, 8, 20, 40}) {
                float[] x = random(rnd, n * cols, 1f);
                float[][] together = new float[ws.length][];
                for (int i = 0; i < ws.length; i++) {
                    together[i] = new float[n * rows[i]];
                }
                WeightMatrix.matmul(pool, new MatmulInput().set(x, n, cols), ws, together);
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> WeightMatrix.matmul(pool, new MatmulInput().set(x, n, cols), ws, new float[2][]));
                assertEquals("4 matrices but 2 outputs", e.getMessage());
                for (int i = 0; i < ws.length; i++) {
                    float[] alone = new float[n * rows[i]];
                    ws[i].matmul(pool, new MatmulInput().set(x, n, cols), alone);
                    for (int j = 0; j < alone.length; j++) {
                        assertEquals(alone[j], together[i][j], 0f, "matrix " + i + ", " + n + " inputs, value " + j);
                    }
                }
            }
        }
    }
}
