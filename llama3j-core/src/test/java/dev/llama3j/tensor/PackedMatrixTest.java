package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The repacked Q8_0/Q4_0 layouts and all their kernel paths (1 and 2 inputs at a time, the GEMM path
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

    @ParameterizedTest
    @CsvSource({"Q8_0, 70, 96", "Q8_0, 32, 64", "Q8_0, 5, 32", "Q4_0, 70, 96", "Q4_0, 64, 128", "Q4_0, 3, 32",
        "Q6_K, 70, 512", "Q6_K, 32, 256"})
    void packedMatchesReference(GgmlType type, int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
        float[] w = random(rnd, rows * cols, 0.05f);
        byte[] bytes = Quantizer.quantize(type, w);
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            MemorySegment seg = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            WeightMatrix ref = WeightMatrix.of("w", type, rows, cols, seg);
            WeightMatrix packed = ref.optimized(Arena.ofAuto(), pool);
            assertEquals(true, packed != ref, "expected a packed layout for " + type);
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
            // The GEMM path's panels hold exactly the dequantized values (rows past the end are zero).
            for (int g0 = 0; g0 < rows; g0 += Gemm.G) {
                float[] panel = new float[cols * Gemm.G];
                packed.fillPanel(g0, Math.min(Gemm.G, rows - g0), panel);
                for (int r = 0; r < Gemm.G; r++) {
                    if (g0 + r < rows) {
                        ref.dequantizeRow(g0 + r, a, 0);
                    } else {
                        java.util.Arrays.fill(a, 0f);
                    }
                    for (int k = 0; k < cols; k++) {
                        assertEquals(a[k], panel[k * Gemm.G + r], 0f, "panel row " + (g0 + r) + " col " + k);
                    }
                }
            }
            for (int n : new int[] {1, 2, 3, 5, 7, 8, 10, 13}) {
                float[] x = random(rnd, n * cols, 1f);
                float[] expected = new float[n * rows];
                ref.matmul(x, n, cols, expected, rows, 0, rows);
                float[] actual = new float[n * rows];
                MatmulInput in = new MatmulInput().set(x, n, cols);
                if (packed.usesQuantizedInput(n)) {
                    in.ensureQuantized();
                }
                // Two calls over halves aligned to the row grain, as the model's parallel split does.
                int split = Math.min(rows, packed.rowGrain());
                packed.matmul(in, actual, rows, 0, split);
                packed.matmul(in, actual, rows, split, rows);
                // 8-bit inputs (Q4_0 generation) add the input's quantization error: about 1/254 of the
                // block's largest input per product.
                double tol = packed.usesQuantizedInput(n) ? 0.02 : 1e-4;
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], tol * (1 + Math.abs(expected[i])),
                            type + " n=" + n + " output " + i);
                }
            }
        }
    }
}
