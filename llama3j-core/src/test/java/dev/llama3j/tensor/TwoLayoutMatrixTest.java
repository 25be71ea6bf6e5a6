package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A Q6_K matrix held in both layouts ({@link Q6KLayout#BOTH}): every product, whichever layout it
 * goes through, is the byte form's to the bit, and so are its rows; it holds both layouts' bytes.
 */
class TwoLayoutMatrixTest {
    private static final int ROWS = 70;
    private static final int COLS = 768;

    private static float[] random(SplittableRandom r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    @Test
    void everyProductIsTheByteFormsWhicheverLayoutServesIt() {
        SplittableRandom rnd = new SplittableRandom(45);
        MemorySegment file = MemorySegment.ofArray(Quantizer.quantize(GgmlType.Q6_K, random(rnd, ROWS * COLS, 0.05f)));
        try (WorkerPool pool = new WorkerPool(2)) {
            WeightMatrix q6k = WeightMatrix.of("output", GgmlType.Q6_K, ROWS, COLS, file);
            WeightMatrix bytes = q6k.optimized(Arena.ofAuto(), pool, Q6KLayout.BYTE);
            WeightMatrix compact = q6k.optimized(Arena.ofAuto(), pool, Q6KLayout.COMPACT);
            TwoLayoutMatrix both = assertInstanceOf(TwoLayoutMatrix.class, q6k.optimized(Arena.ofAuto(), pool, Q6KLayout.BOTH));
            assertEquals(bytes.bytes() + compact.bytes(), both.bytes());
            // Packed in one pass, the two layouts hold what each packed alone holds.
            assertArrayEquals(bytes.data().toArray(ValueLayout.JAVA_BYTE), both.layout(0).data().toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(compact.data().toArray(ValueLayout.JAVA_BYTE), both.layout(1).data().toArray(ValueLayout.JAVA_BYTE));
            // Enough one-input products for the warm-up and several explorations of both layouts.
            for (int call = 0; call < 48; call++) {
                float[] x = random(rnd, COLS, 1f);
                assertArrayEquals(product(bytes, pool, x, 1), product(both, pool, x, 1), "call " + call);
            }
            for (int n : new int[] {2, 5, 16, 40}) { // steps of several sequences and prompts: the byte form
                float[] x = random(rnd, n * COLS, 1f);
                assertArrayEquals(product(bytes, pool, x, n), product(both, pool, x, n), n + " inputs");
            }
            float[] row = new float[COLS];
            float[] expected = new float[COLS];
            for (int r = 0; r < ROWS; r += 23) {
                both.dequantizeRow(r, row, 0);
                bytes.dequantizeRow(r, expected, 0);
                assertArrayEquals(expected, row, "row " + r);
            }
        }
    }

    @Test
    void theTwoLayoutsMustBeOfOneMatrix() {
        SplittableRandom rnd = new SplittableRandom(46);
        try (WorkerPool pool = new WorkerPool(1)) {
            WeightMatrix a = WeightMatrix.of("a", GgmlType.Q6_K, 32, 256,
                    MemorySegment.ofArray(Quantizer.quantize(GgmlType.Q6_K, random(rnd, 32 * 256, 0.05f))));
            WeightMatrix b = WeightMatrix.of("b", GgmlType.Q6_K, 32, 512,
                    MemorySegment.ofArray(Quantizer.quantize(GgmlType.Q6_K, random(rnd, 32 * 512, 0.05f))));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new TwoLayoutMatrix(a.optimized(Arena.ofAuto(), pool), b.optimized(Arena.ofAuto(), pool)));
            assertEquals(true, e.getMessage().contains("not one matrix"), e.getMessage());
        }
    }

    private static float[] product(WeightMatrix w, WorkerPool pool, float[] x, int n) {
        float[] out = new float[n * ROWS];
        w.matmul(pool, new MatmulInput().set(x, n, COLS), out);
        return out;
    }
}
