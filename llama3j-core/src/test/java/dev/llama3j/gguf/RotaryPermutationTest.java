package dev.llama3j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Quantizer;
import dev.llama3j.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class RotaryPermutationTest {
    /** Rows labelled by their index, {@code cols} copies each. */
    private static float[] labelled(int rows, int cols) {
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                w[r * cols + c] = r;
            }
        }
        return w;
    }

    private static float[] column(float[] w, int rows, int cols) {
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = w[r * cols];
        }
        return out;
    }

    @Test
    void matchesTheConvertersReshapeSwapaxes() {
        // numpy: np.arange(8).reshape(2, 2, 2, 1).swapaxes(1, 2).reshape(8) = [0, 2, 1, 3, 4, 6, 5, 7]
        assertArrayEquals(new float[] {0, 2, 1, 3, 4, 6, 5, 7},
                column(RotaryPermutation.hfToGguf(labelled(8, 3), 8, 3, 2), 8, 3));
        // one head of 8: GGUF rows 2i, 2i+1 hold HF rows i, i+4
        assertArrayEquals(new float[] {0, 4, 1, 5, 2, 6, 3, 7},
                column(RotaryPermutation.hfToGguf(labelled(8, 1), 8, 1, 1), 8, 1));
        assertEquals(5, RotaryPermutation.ggufToHfRow(3, 8));
        assertEquals(3, RotaryPermutation.hfToGgufRow(5, 8));
    }

    @Test
    void inverseAfterForwardIsIdentity() {
        int[][] shapes = {{8, 1}, {12, 3}, {64, 4}, {128, 8}, {32, 2}};
        for (int[] s : shapes) {
            int rows = s[0];
            int heads = s[1];
            int headDim = rows / heads;
            for (int r = 0; r < rows; r++) {
                assertEquals(r, RotaryPermutation.ggufToHfRow(RotaryPermutation.hfToGgufRow(r, headDim), headDim));
                assertEquals(r, RotaryPermutation.hfToGgufRow(RotaryPermutation.ggufToHfRow(r, headDim), headDim));
            }
            float[] w = new float[rows * 5];
            for (int i = 0; i < w.length; i++) {
                w[i] = i * 0.25f;
            }
            float[] there = RotaryPermutation.hfToGguf(w, rows, 5, heads);
            assertArrayEquals(w, RotaryPermutation.ggufToHf(there, rows, 5, heads), rows + " rows, " + heads + " heads");
        }
    }

    @Test
    void permutesQuantizedRowsWhole() {
        int rows = 8;
        int cols = 32;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % cols) * 0.1f + (i / cols); // row r is r + 0.1*col
        }
        byte[] hfBytes = Quantizer.quantize(GgmlType.Q8_0, w);
        byte[] ggufBytes = new byte[hfBytes.length];
        RotaryPermutation.hfToGguf(MemorySegment.ofArray(hfBytes), MemorySegment.ofArray(ggufBytes), rows, 34, 2);
        // quantizing the permuted floats gives the permuted bytes
        assertArrayEquals(Quantizer.quantize(GgmlType.Q8_0, RotaryPermutation.hfToGguf(w, rows, cols, 2)), ggufBytes);

        WeightMatrix gguf = WeightMatrix.of("blk.0.attn_k.weight", GgmlType.Q8_0, rows, cols, MemorySegment.ofArray(ggufBytes));
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix hf = RotaryPermutation.ggufToHf(gguf, 2, arena);
            assertArrayEquals(hfBytes, hf.data().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(GgmlType.Q8_0, hf.type());
        }
    }

    @Test
    void refusesRowsThatDoNotSplitIntoHeads() {
        assertThrows(IllegalArgumentException.class, () -> RotaryPermutation.hfToGguf(new float[6], 6, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> RotaryPermutation.hfToGguf(new float[6], 6, 1, 2)); // odd head
    }
}
