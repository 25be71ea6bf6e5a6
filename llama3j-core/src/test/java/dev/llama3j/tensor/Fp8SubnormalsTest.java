package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Fp8SubnormalsTest {
    @Test
    void extractFindsEverySubnormalCodeAndZeroesIt() {
        // Every code at every position of a word, and lengths that leave a partial last word.
        for (int cols : new int[] {256, 13, 7}) {
            int rows = 3;
            byte[] panel = new byte[rows * cols];
            for (int i = 0; i < panel.length; i++) {
                panel[i] = (byte) (i * 37 + i / 8);
            }
            byte[] before = panel.clone();
            int[] entries = Fp8Subnormals.extract(panel, rows, cols);
            int n = 0;
            float[] expected = new float[rows * cols * Gemm.G];
            for (int i = 0; i < before.length; i++) {
                boolean sub = (before[i] & 0x78) == 0 && (before[i] & 7) != 0;
                assertEquals(sub, Fp8Subnormals.isSubnormal(before[i]), "code " + before[i]);
                assertEquals(sub ? 0 : before[i], panel[i], "byte " + i + " of " + cols + " columns");
                if (sub) {
                    n++;
                    expected[(i % cols) * Gemm.G + i / cols] = Fp8.e4m3ToFloat(before[i]);
                }
            }
            assertEquals(n, entries.length, cols + " columns");
            float[] got = new float[expected.length];
            Fp8Subnormals.of(new int[][] {entries}).putInPanel(0, got, 0);
            assertArrayEquals(expected, got, cols + " columns");
        }
    }

    @Test
    void aMatrixStoresNoSubnormalCode() {
        int rows = 70;
        int cols = 96;
        SplittableRandom r = new SplittableRandom(3);
        byte[] bytes = new byte[rows * cols];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (r.nextInt(2) == 0 ? r.nextInt(8) : r.nextInt(0x7f)); // many subnormals
        }
        Fp8Matrix m = Fp8Matrix.of("w", rows, cols, MemorySegment.ofArray(bytes), new float[] {1f},
                Fp8Activations.none());
        for (long i = 0; i < m.data.byteSize(); i++) {
            assertFalse(Fp8Subnormals.isSubnormal(m.data.get(ValueLayout.JAVA_BYTE, i)), "stored byte " + i);
        }
        float[] row = new float[cols];
        for (int i = 0; i < rows; i++) {
            m.dequantizeRow(i, row, 0);
            for (int k = 0; k < cols; k++) {
                assertEquals(Fp8.e4m3ToFloat(bytes[i * cols + k]), row[k], 0f, "row " + i + " col " + k);
            }
        }
    }

    @Test
    void tooManyColumnsForAnEntryIsRefused() {
        int cols = Fp8Subnormals.MAX_COLS;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fp8Matrix.of("blk.0.ffn_up.weight",
                1, cols, MemorySegment.ofArray(new byte[cols]), new float[] {1f}, Fp8Activations.none()));
        assertTrue(e.getMessage().contains("blk.0.ffn_up.weight") && e.getMessage().contains(cols + " columns"),
                e.getMessage());
    }
}
