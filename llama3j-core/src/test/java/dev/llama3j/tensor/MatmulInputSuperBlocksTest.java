package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link MatmulInput}'s form quantized per super-block (what Q4_K's generation kernels read): one
 * scale {@code max|x| / 127} for 256 values, each value {@code rint(x · 127 / max|x|)} (halves to
 * even), and the sum of each 32 of them.
 */
class MatmulInputSuperBlocksTest {

    @Test
    void everySuperBlockIsQuantizedWithItsOwnScale() {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 3;
        int cols = 768;
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((rnd.nextDouble() * 2 - 1) * (1 + i % 7));
        }
        // One super-block all zero, one with a value exactly half a step from two codes.
        java.util.Arrays.fill(x, 256, 512, 0f);
        x[1024] = 127f;
        x[1025] = 2.5f;
        MatmulInput in = new MatmulInput().set(x, n, cols);
        in.ensureSuperBlocksQuantized();
        for (int s = 0; s < n * cols / 256; s++) {
            float amax = 0;
            for (int k = s * 256; k < (s + 1) * 256; k++) {
                amax = Math.max(amax, Math.abs(x[k]));
            }
            assertEquals(amax / 127f, in.kScale[s], 0f, "scale of super-block " + s);
            float id = amax == 0 ? 0 : 127f / amax;
            for (int b = s * 8; b < (s + 1) * 8; b++) {
                int sum = 0;
                for (int k = b * 32; k < (b + 1) * 32; k++) {
                    int expected = (int) Math.rint(x[k] * id);
                    assertEquals(expected, in.kq[k], "value " + k);
                    sum += expected;
                }
                assertEquals(sum, in.kSum[b], "sum of block " + b);
            }
        }
        assertEquals(2, in.kq[1025], "2.5 rounds to even");
        assertEquals(0f, in.kScale[1], 0f, "an all-zero super-block");
    }

    /** New data through {@link MatmulInput#set} is quantized again, not served from the last. */
    @Test
    void newDataIsQuantizedAgain() {
        float[] x = new float[256];
        x[0] = 1f;
        MatmulInput in = new MatmulInput().set(x, 1, 256);
        in.ensureSuperBlocksQuantized();
        assertEquals(127, in.kq[0]);
        float[] y = new float[256];
        y[0] = -2f;
        y[1] = 1f;
        in.set(y, 1, 256).ensureSuperBlocksQuantized();
        assertEquals(-127, in.kq[0]);
        assertEquals(64, in.kq[1], "63.5 rounds to even");
        assertEquals(2f / 127f, in.kScale[0], 0f);
    }

    /** Rows of whole 32-value blocks but not whole super-blocks are refused, naming the length. */
    @Test
    void rowsOfPartialSuperBlocksAreRefusedByName() {
        MatmulInput in = new MatmulInput().set(new float[2 * 320], 2, 320);
        IllegalStateException e = assertThrows(IllegalStateException.class, in::ensureSuperBlocksQuantized);
        assertEquals("row length 320 is not a multiple of 256", e.getMessage());
    }
}
